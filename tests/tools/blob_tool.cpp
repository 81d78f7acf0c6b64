// Test tool: seal and open dcv1 blobs, make keys and key proofs, from the shell (for server interop tests).
#include <fmt/format.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "core/blob.hpp"
#include "core/error.hpp"
#include "core/key_proof.hpp"

using namespace dotenv_run;

namespace {

constexpr const char* kUsage =
    "usage: blob_tool open  --key-file K --org ORG --level LEVEL                  < blob > plaintext\n"
    "       blob_tool seal  --key-file K --org ORG --level LEVEL --key-version N  < plaintext > blob\n"
    "       blob_tool genkey\n"
    "       blob_tool proof --key-file K [--iterations N]\n"
    "       blob_tool bench";

[[noreturn]] void usage(const std::string& why) { throw Error(kExitUsage, fmt::format("{}\n{}", why, kUsage)); }

// "--name value" pairs; every name must be one the command accepts.
std::map<std::string, std::string> parse_options(const std::vector<std::string>& args,
                                                 const std::vector<std::string>& allowed) {
  std::map<std::string, std::string> options;
  for (std::size_t i = 0; i < args.size(); i += 2) {
    if (std::find(allowed.begin(), allowed.end(), args[i]) == allowed.end()) usage("unknown option " + args[i]);
    if (i + 1 >= args.size()) usage(args[i] + " needs a value");
    options[args[i]] = args[i + 1];
  }
  return options;
}

const std::string& required(const std::map<std::string, std::string>& options, const std::string& name) {
  const auto it = options.find(name);
  if (it == options.end()) usage("missing " + name);
  return it->second;
}

unsigned long number(const std::string& text, const std::string& name) {
  std::size_t end = 0;
  unsigned long value = 0;
  try {
    value = std::stoul(text, &end);
  } catch (const std::exception&) {
    end = 0;
  }
  if (end == 0 || end != text.size() || text.front() == '-') usage(name + " needs a positive number");
  return value;
}

std::string read_stdin() {
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

SecretKey read_key(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(kExitConfig, fmt::format("cannot read key file {}", path));
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.ends_with('\n')) text.pop_back();
  SecretKey key = SecretKey::from_base64(text, fmt::format("key file {}", path));
  wipe(text);
  return key;
}

void write_stdout(std::string_view bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), stdout) != bytes.size() || std::fflush(stdout) != 0) {
    throw Error(kExitSoftware, "cannot write to standard output");
  }
}

int open_command(const std::vector<std::string>& args) {
  const auto options = parse_options(args, {"--key-file", "--org", "--level"});
  const SecretKey key = read_key(required(options, "--key-file"));
  std::string blob = read_stdin();
  if (blob.ends_with('\n')) blob.pop_back();  // allow `echo "$blob" | blob_tool open ...`
  SecretArena arena;
  const SecretString text = open_blob(blob, key, required(options, "--org"), required(options, "--level"),
                                      "blob on standard input", arena.resource());
  write_stdout(text);
  return 0;
}

int seal_command(const std::vector<std::string>& args) {
  const auto options = parse_options(args, {"--key-file", "--org", "--level", "--key-version"});
  const SecretKey key = read_key(required(options, "--key-file"));
  const unsigned long version = number(required(options, "--key-version"), "--key-version");
  if (version == 0 || version > 0xFFFFFFFFul) usage("--key-version must be between 1 and 4294967295");
  std::string text = read_stdin();
  const std::string blob =
      seal_blob(text, key, static_cast<unsigned>(version), required(options, "--org"), required(options, "--level"));
  wipe(text);
  write_stdout(blob + "\n");
  return 0;
}

int proof_command(const std::vector<std::string>& args) {
  const auto options = parse_options(args, {"--key-file", "--iterations"});
  const SecretKey key = read_key(required(options, "--key-file"));
  const auto it = options.find("--iterations");
  const unsigned long iterations = it == options.end() ? 210000 : number(it->second, "--iterations");
  const KeyProof proof = make_key_proof(key, iterations);
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> json(buffer);
  json.StartObject();
  json.Key("algorithm");
  json.String(proof.algorithm.c_str());
  json.Key("iterations");
  json.Uint64(proof.iterations);
  json.Key("salt");
  json.String(proof.salt_b64.c_str());
  json.Key("proof");
  json.String(proof.proof_b64.c_str());
  json.EndObject();
  write_stdout(std::string(buffer.GetString()) + "\n");
  return 0;
}

// Prints what one open_blob and one default key proof cost on this machine (not a test: no assertion).
int bench_command() {
  using Clock = std::chrono::steady_clock;
  const SecretKey key = SecretKey::generate();
  for (const std::size_t size : {std::size_t{4} * 1024, std::size_t{1024} * 1024}) {
    const std::string blob = seal_blob(std::string(size, 'v'), key, 1, "org", "level");
    const int runs = size < 65536 ? 2000 : 50;
    // Alone (plain heap), then as a launch pays it: into a fresh SecretArena, whose guarded,
    // locked chunk is allocated, touched and wiped once.
    for (const bool fresh_arena : {false, true}) {
      const auto start = Clock::now();
      for (int i = 0; i < runs; ++i) {
        if (fresh_arena) {
          SecretArena arena;
          (void)open_blob(blob, key, "org", "level", "bench", arena.resource());
        } else {
          (void)open_blob(blob, key, "org", "level", "bench", std::pmr::new_delete_resource());
        }
      }
      const double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count() / runs;
      fmt::print("open_blob {:>7} bytes, {:<24}: {:9.1f} us\n", size,
                 fresh_arena ? "into a new SecretArena" : "into the plain heap", us);
    }
  }
  const KeyProof proof = make_key_proof(key);
  const auto start = Clock::now();
  const bool match = key_matches_proof(key, proof);
  const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  fmt::print("key_matches_proof, {} iterations: {:.1f} ms ({})\n", proof.iterations, ms, match ? "match" : "NO MATCH");
  return match ? 0 : 1;
}

int run(const std::vector<std::string>& argv) {
  if (argv.empty()) usage("missing command");
  const std::string& command = argv.front();
  const std::vector<std::string> rest(argv.begin() + 1, argv.end());
  if (command == "open") return open_command(rest);
  if (command == "seal") return seal_command(rest);
  if (command == "proof") return proof_command(rest);
  if (command == "genkey" && rest.empty()) {
    write_stdout(SecretKey::generate().to_base64() + "\n");
    return 0;
  }
  if (command == "bench" && rest.empty()) return bench_command();
  usage("unknown command or arguments: " + command);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const Error& e) {
    std::fprintf(stderr, "blob_tool: error: %s\n", e.what());
    return e.code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "blob_tool: error: %s\n", e.what());
    return kExitSoftware;
  }
}

// A watch round in its own arena, released (wiped) before it returns.
#include "run/watch_round.hpp"

#include <sodium.h>

#include <utility>

#include <fmt/format.h>
#include <variant>

#include "api/levels.hpp"
#include "api/resolve.hpp"
#include "core/error.hpp"
#include "core/secure_memory.hpp"
#include "core/sodium.hpp"
#include "run/sources.hpp"

namespace dotenv_run {

namespace {

struct RoundFailure {
  RoundResult result;
};

RoundResult failure_result(const ResolveFailure& failure) {
  RoundResult out;
  out.line = failure.error.what();
  if (failure.error.code() == kExitAuth) {
    out.kind = RoundResult::kRefused;
  } else if (failure.retry_after) {
    out.kind = RoundResult::kRateLimited;
    out.retry_after = failure.retry_after;
  } else {
    out.kind = failure.retryable ? RoundResult::kFailed : RoundResult::kRefused;
  }
  return out;
}

}  // namespace

RoundResult WatchRound::run(const Digest& current) {
  SecretArena arena;  // every plaintext byte of this round; wiped when it goes out of scope
  try {
    const SourceLoader load = [&](std::pmr::memory_resource* mem) {
      std::vector<Source> sources;
      if (settings_.from_cloud()) {
        auto answer = resolve_once(settings_, mem, http_);
        if (auto* failure = std::get_if<ResolveFailure>(&answer)) throw RoundFailure{failure_result(*failure)};
        sources = open_levels(std::get<ResolveAnswer>(answer), settings_.key, mem);
      }
      append_env_files(sources, options_.env_files, mem);
      return sources;
    };
    const EnvironLookup inherited_env(inherited_, kSecretVariables);
    const LoadedSecrets loaded = load_secrets(load, options_, inherited_env, arena.resource());
    const ChildEnvironment env = program_environment(inherited_, loaded, options_, arena.resource());
    RoundResult out;
    out.digest = environment_digest(env, loaded.files, key_);
    out.kind = out.digest == current ? RoundResult::kSame : RoundResult::kChanged;
    return out;
  } catch (RoundFailure& failure) {
    return std::move(failure.result);
  } catch (const Error& e) {
    RoundResult out;
    out.kind = e.code() == kExitUnavailable ? RoundResult::kFailed : RoundResult::kUnusable;
    out.line = e.what();
    return out;
  }
}

double uniform01() {
  ensure_sodium();
  return static_cast<double>(randombytes_uniform(1u << 30)) / static_cast<double>(1u << 30);
}

double WatchLoop::first_wait() { return schedule_.after_change_or_same(uniform01()); }

WatchLoop::Step WatchLoop::next(const Notice& say) {
  const RoundResult result = round_.run(current_);
  Step step;
  // Said once per kind of failure in a row (the wait in the line changes every time).
  const auto report = [&](std::string_view what) {
    if (result.line != last_line_) say(fmt::format("watch: {}", what));
    last_line_ = result.line;
  };
  switch (result.kind) {
    case RoundResult::kSame: step.wait = schedule_.after_change_or_same(uniform01()); break;
    case RoundResult::kChanged:
      current_ = result.digest;
      step.changed = true;
      step.wait = schedule_.after_change_or_same(uniform01());
      break;
    case RoundResult::kRateLimited:
      step.wait = schedule_.after_rate_limit(*result.retry_after, uniform01());
      report(fmt::format("{}; next try in {:.0f} s", result.line, step.wait));
      return step;
    case RoundResult::kFailed:
      step.wait = schedule_.after_failure(uniform01());
      report(fmt::format("{}; trying again, backing off", result.line));
      return step;
    case RoundResult::kRefused:
      step.wait = schedule_.after_refusal(uniform01());
      report(fmt::format("{}; trying again every {:.0f} s", result.line, step.wait));
      return step;
    case RoundResult::kUnusable:
      step.wait = schedule_.after_refusal(uniform01());
      report(fmt::format("the new secrets would not start the program, so it keeps running: {}", result.line));
      return step;
  }
  if (!last_line_.empty()) say("watch: resolving works again");
  last_line_.clear();
  return step;
}

}  // namespace dotenv_run

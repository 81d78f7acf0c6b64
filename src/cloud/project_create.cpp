// projects create --client-managed --new-key-file FILE.
#include "cloud/project_create.hpp"

#include <fmt/format.h>

#include "cloud/data_answer.hpp"
#include "cloud/json_body.hpp"
#include "cloud/new_key_file.hpp"
#include "cloud/output.hpp"
#include "cloud/session.hpp"
#include "core/error.hpp"
#include "core/export_format.hpp"
#include "core/key.hpp"
#include "core/key_proof.hpp"
#include "core/secure_memory.hpp"
#include "core/text.hpp"

namespace dotenv_run {

namespace {

// The answers after which the project was certainly not created: the server said no.
bool certainly_refused(ExitCode code) {
  return code == kExitUsage || code == kExitDataError || code == kExitAuth || code == kExitConfig;
}

}  // namespace

void create_client_managed_project(Session& session, const std::string& path, const std::string& slug,
                                   const std::string& subject) {
  ApiClient& client = session.client();  // the token first: a missing one leaves no file behind
  NewKeyFile key_file(*session.line().new_key_file);
  bool sent = false;
  try {
    const SecretKey key = key_file.write_new_key();
    const KeyProof proof = make_key_proof(key);

    JsonBody body;
    body.field("slug", slug);
    if (session.line().name) body.field("name", *session.line().name);
    body.field("encryption", "client");
    body.open("key_proof")
        .field("algorithm", proof.algorithm)
        .field("iterations", std::uint64_t{proof.iterations})
        .field("salt", proof.salt_b64)
        .field("proof", proof.proof_b64)
        .close();
    ApiRequest request;
    request.method = Method::kPost;
    request.path = path;
    request.json_body = body.text();
    request.subject = {subject};
    sent = true;
    const DataAnswer answer(client.send(request, session.memory()), fmt::format("POST {}", path));
    if (session.line().json) return write_stdout(json_line(answer.data()));
    write_stdout(fmt::format("created {} ({}), client-managed; its key is in {}\n", subject, cell(answer.data(), "id"),
                             sanitized(key_file.path())));
  } catch (const Error& e) {
    // One line still: what happened to the key file is said in the error itself.
    if (!sent || certainly_refused(e.code())) {
      key_file.discard();
      throw Error(e.code(),
                  fmt::format("{} (removed {}: no project uses its key)", e.what(), sanitized(key_file.path())));
    }
    throw Error(e.code(), fmt::format("{} (kept {}: the project may have been created with its key)", e.what(),
                                      sanitized(key_file.path())));
  }
}

}  // namespace dotenv_run

// libFuzzer target: the settings file (.dotenv-cloud.json, ~/.config/dotenv-cloud/config.json)
// from its JSON text, without a file: parse_settings_file, then the API URL check it feeds.
#include <cstddef>
#include <cstdint>
#include <string>

#include "api/settings.hpp"
#include "api/url.hpp"
#include "core/error.hpp"
#include "fuzz_support.hpp"

using namespace dotenv_run;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(fuzz::as_text(data, size));
  try {
    const FileSettings settings = parse_settings_file(body, "/srv/app/.dotenv-cloud.json");
    if (settings.api_url) checked_api_url(*settings.api_url);
  } catch (const Error& e) {
    fuzz::check_message(e.what());
  }
  return 0;
}

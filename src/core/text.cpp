// Making outside text safe to print.
#include "core/text.hpp"

namespace dotenv_run {

std::string sanitized(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) out += c;
  }
  if (out.size() > 200) {
    std::size_t cut = 200;
    // Do not leave half a UTF-8 sequence at the end.
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return out;
}

}  // namespace dotenv_run

// Following a list's pages.
#include "cloud/pages.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "cloud/data_answer.hpp"
#include "core/secure_memory.hpp"

namespace dotenv_run {

namespace {

// A server that never ends a list must not keep us here forever.
constexpr std::size_t kMaxPages = 10'000;

std::optional<std::size_t> total_of(const DataAnswer& answer) {
  const rapidjson::Value* meta = answer.meta();
  if (meta == nullptr) return std::nullopt;
  auto it = meta->FindMember("total");
  if (it == meta->MemberEnd() || !it->value.IsUint64()) return std::nullopt;
  return static_cast<std::size_t>(it->value.GetUint64());
}

}  // namespace

void for_each_item(ApiClient& client, const std::string& path, const Subject& subject, std::optional<std::size_t> limit,
                   const std::function<void(const rapidjson::Value&)>& each) {
  const std::size_t per_page = std::min(kPageSize, limit.value_or(kPageSize));
  std::size_t seen = 0;
  for (std::size_t page = 1;; ++page) {
    const std::string what = fmt::format("GET {}", path);
    if (page > kMaxPages) malformed_answer(what, fmt::format("the list goes on past {} pages", kMaxPages));
    ApiRequest request;
    request.path =
        fmt::format("{}{}page={}&per_page={}", path, path.find('?') == std::string::npos ? '?' : '&', page, per_page);
    request.subject = subject;
    // Each page in an arena of its own, wiped and returned after its items: a long list does
    // not pile up in the caller's (monotonic) memory.
    SecretArena page_memory;
    const DataAnswer answer(client.send(request, page_memory.resource()), what);
    if (!answer.data().IsArray()) malformed_answer(what, "\"data\" is not a list");
    const auto items = answer.data().GetArray();
    for (const rapidjson::Value& item : items) {
      each(item);
      ++seen;
      if (limit && seen >= *limit) return;
    }
    const std::optional<std::size_t> total = total_of(answer);
    if (items.Empty() || items.Size() < per_page || (total && seen >= *total)) return;
  }
}

}  // namespace dotenv_run

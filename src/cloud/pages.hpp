// Lists: every page of a list endpoint, following `meta` to the end (docs/api.md section 2).
#pragma once

#include <cstddef>
#include <functional>
#include <memory_resource>
#include <optional>
#include <string>

#include <rapidjson/document.h>

#include "api/client.hpp"

namespace dotenv_run {

inline constexpr std::size_t kPageSize = 100;  // the API's largest per_page

// GETs `path` page after page (per_page 100, or the limit when smaller) and calls `each`
// for every item, in order, until a page is empty or short, `meta.total` items were seen,
// or `limit` items were given. Error(kExitUnavailable) for a page that is not a list, or past
// 10,000 pages. Each page's answer is released after its items: `each` copies what it keeps.
void for_each_item(ApiClient& client, const std::string& path, const Subject& subject, std::optional<std::size_t> limit,
                   const std::function<void(const rapidjson::Value&)>& each);

}  // namespace dotenv_run

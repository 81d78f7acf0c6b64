// Test data: one well-formed resolve answer (docs/api.md section 7) for api/web/production.
#pragma once

#include <string>

#include "api/answer.hpp"

namespace testing {

inline constexpr const char* kOrg = "01HZX5V9Q6M3K8T2R4W7Y0B1CD";

inline const std::string kAnswer = R"({"data": {
  "organization": {"id": "01HZX5V9Q6M3K8T2R4W7Y0B1CD"},
  "project": {"id": "01HZX5V9Q6M3K8T2R4W7Y0B1P0", "slug": "api", "name": "API", "encryption": "server"},
  "target": {"id": "01HZX5V9Q6M3K8T2R4W7Y0B1T0", "slug": "web"},
  "environment": {"id": "01HZX5V9Q6M3K8T2R4W7Y0B1E0", "slug": "production"},
  "levels": [
    {"level": "project", "id": "01HZX5V9Q6M3K8T2R4W7Y0B1P0", "version": 7, "key_version": 2, "blob": "dcv1:2:UFJPSkVDVA==", "updated_at": "2026-11-20T10:00:00Z"},
    {"level": "target", "id": "01HZX5V9Q6M3K8T2R4W7Y0B1T0", "version": null, "key_version": null, "blob": null, "updated_at": null},
    {"level": "environment", "id": "01HZX5V9Q6M3K8T2R4W7Y0B1E0", "version": 3, "key_version": 2, "blob": "dcv1:2:RU5W", "updated_at": "2026-11-20T10:00:00Z"}
  ],
  "key": {"mode": "server", "version": 2, "key": "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U="}
}})";

inline dotenv_run::ResolveQuery full_query() { return {kOrg, "api", "web", "production"}; }

}  // namespace testing

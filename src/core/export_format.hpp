// --export: the variables the secrets add, printed as .env, JSON or shell text.
#pragma once

#include <memory_resource>

#include "core/dotenv.hpp"

namespace dotenv_run {

enum class ExportFormat { kEnv, kJson, kShell };

// Renders `vars` in `format` into the arena (the text holds secrets).
// env:   NAME="value" lines this parser reads back to the same values.
// json:  one object, names in merge order; bytes that are not UTF-8 pass through.
// shell: export NAME='value' lines safe to eval; Error(kExitDataError) for a name a
//        shell cannot take (with '.' or '-').
SecretString render_export(const Variables& vars, ExportFormat format, std::pmr::memory_resource* mem);

// Writes all of `text` to fd 1; Error(kExitSoftware) if stdout is gone.
void write_stdout(std::string_view text);

}  // namespace dotenv_run

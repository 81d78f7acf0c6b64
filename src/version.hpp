// --version: the launcher's version and the versions of the libraries it runs with.
#pragma once

#include <string>

namespace dotenv_run {

std::string version_text();

}  // namespace dotenv_run

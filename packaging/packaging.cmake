# Install rules for the man page, shell completions and package docs, and the CPack settings for the .deb and .rpm.
# Included once from the top CMakeLists.txt, after install(TARGETS dotenv-run dotenv-cloud).

set(DOTENV_RUN_ZSH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions" CACHE STRING
    "Where the zsh completion goes (Debian: share/zsh/vendor-completions; Fedora: share/zsh/site-functions)")

# Debian policy wants man pages and changelogs compressed with gzip -9n (-n: no name or
# timestamp, so the package is reproducible); compress them at build time, not in the tree.
find_program(GZIP_EXECUTABLE gzip REQUIRED)
set(packaging_out ${CMAKE_CURRENT_BINARY_DIR}/packaging)
file(MAKE_DIRECTORY ${packaging_out})
set(packaging_gz "")
foreach(pair "man/dotenv-run.1:dotenv-run.1.gz" "man/dotenv-cloud.1:dotenv-cloud.1.gz"
             "packaging/debian/changelog:changelog.gz")
  string(REPLACE ":" ";" pair "${pair}")
  list(GET pair 0 input)
  list(GET pair 1 output)
  add_custom_command(OUTPUT ${packaging_out}/${output}
    COMMAND sh -c "\"$0\" -9n -c \"$1\" > \"$2\"" ${GZIP_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/${input}
            ${packaging_out}/${output}
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${input}
    COMMENT "Compressing ${input}" VERBATIM)
  list(APPEND packaging_gz ${packaging_out}/${output})
endforeach()
add_custom_target(packaging_docs ALL DEPENDS ${packaging_gz})

# Both programs: their man pages and their bash, zsh and fish completions.
foreach(program dotenv-run dotenv-cloud)
  install(FILES ${packaging_out}/${program}.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
  install(FILES completions/${program}.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
          RENAME ${program})
  install(FILES completions/_${program} DESTINATION ${DOTENV_RUN_ZSH_COMPLETION_DIR})
  install(FILES completions/${program}.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
endforeach()
install(FILES packaging/debian/copyright ${packaging_out}/changelog.gz DESTINATION ${CMAKE_INSTALL_DOCDIR})
if(DOTENV_RUN_CURL STREQUAL "minimal")
  # lintian's embedded-library tag, for the libcurl built in on purpose (cmake/curl.cmake).
  install(FILES packaging/debian/lintian-overrides DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides
          RENAME dotenv-run)
endif()

# Package metadata. Each can be overridden on the cmake command line (-DCPACK_...=...).
set(dotenv_run_maintainer "The dotenv-run authors <dotenv-run@dotenv.cloud>")
set(CPACK_PACKAGE_NAME dotenv-run)
set(CPACK_PACKAGE_VENDOR "The dotenv-run authors")
set(CPACK_PACKAGE_CONTACT "${dotenv_run_maintainer}")
set(CPACK_PACKAGE_HOMEPAGE_URL "https://dotenv.cloud" CACHE STRING "Homepage written into the packages")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "run a program with its dotEnv Cloud secrets, and manage them")
set(CPACK_PACKAGE_DESCRIPTION
    "dotenv-run fetches the encrypted secrets of a dotEnv Cloud project, target
and environment in one HTTPS request, decrypts them in memory with libsodium,
merges them (the deepest level wins) and executes the command with them in its
environment, keeping its process ID, so signals, the exit status and socket
activation work as if the command were started directly.

It is meant for services started by systemd (with LoadCredentialEncrypted=
for the API token) and for container entry points. Local .env files can be
read too, with the same strict parser.

dotenv-cloud, in the same package, manages organizations, projects, targets
and environments from the command line, with the same settings and token.")
set(CPACK_RESOURCE_FILE_LICENSE ${CMAKE_CURRENT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_RELOCATABLE OFF)
set(CPACK_STRIP_FILES ON)
set(CPACK_GENERATOR DEB RPM)
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git" "/build[^/]*/" "/out/" "__pycache__")

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${dotenv_run_maintainer}")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # dpkg-shlibdeps: libc6, libsodium23, libssl3, libstdc++6 (dotenv-cloud), ... (libcurl4 only with DOTENV_RUN_CURL=system)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

set(CPACK_RPM_FILE_NAME RPM-DEFAULT)
set(CPACK_RPM_PACKAGE_SUMMARY "Run a program with its dotEnv Cloud secrets, and manage them")
set(CPACK_RPM_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_RPM_PACKAGE_LICENSE MIT)
set(CPACK_RPM_PACKAGE_GROUP "Applications/System")
set(CPACK_RPM_PACKAGE_URL "${CPACK_PACKAGE_HOMEPAGE_URL}")
set(CPACK_RPM_PACKAGE_RELEASE 1)
set(CPACK_RPM_PACKAGE_AUTOREQPROV ON)  # rpmbuild finds the shared-library dependencies itself
set(CPACK_RPM_USER_FILELIST
    "%license /usr/share/doc/dotenv-run/copyright" "%doc /usr/share/doc/dotenv-run/changelog.gz")
# Directories the package puts files in but does not own (filesystem, bash-completion, zsh, fish own them).
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION
    /usr/share/man /usr/share/man/man1 /usr/share/doc
    /usr/share/bash-completion /usr/share/bash-completion/completions
    /usr/share/zsh /usr/share/zsh/vendor-completions /usr/share/zsh/site-functions
    /usr/share/fish /usr/share/fish/vendor_completions.d)

include(CPack)

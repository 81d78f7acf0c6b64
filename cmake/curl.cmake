# libcurl for both programs, as the target `dotenv_curl`.
#
# DOTENV_RUN_CURL=minimal (the default): a static libcurl built from Debian's own curl source
# package (the same version and security patches as the system's libcurl4, fetched and verified by
# apt), with HTTP and HTTPS over OpenSSL and nothing else. The system's libcurl4 needs 33 shared
# libraries (GnuTLS through librtmp, Kerberos, LDAP, libssh2, nghttp2, libidn2, libpsl, brotli,
# zstd, ...) whose loading and constructors cost about 5.5 ms of every launch, more than the whole
# rest of a 50-variable launch, and 2 MB of memory; none of them serves one HTTPS GET. The price:
# a curl security update reaches the programs when they are rebuilt, not when libcurl4 is upgraded
# (README, "libcurl"); the library's version is printed by --version.
#
# DOTENV_RUN_CURL=system: the shared system libcurl (libcurl4-openssl-dev), for a distribution
# that rebuilds nothing and takes curl's updates from libcurl4.
set(DOTENV_RUN_CURL "minimal" CACHE STRING "libcurl to link: minimal (static, HTTP/HTTPS only, from Debian's curl source) or system")
set_property(CACHE DOTENV_RUN_CURL PROPERTY STRINGS minimal system)

add_library(dotenv_curl INTERFACE)

if(DOTENV_RUN_CURL STREQUAL "system")
  find_package(CURL REQUIRED)
  target_link_libraries(dotenv_curl INTERFACE CURL::libcurl)
  set(DOTENV_RUN_CURL_BUILD "shared, the system's")
  return()
elseif(NOT DOTENV_RUN_CURL STREQUAL "minimal")
  message(FATAL_ERROR "DOTENV_RUN_CURL must be minimal or system, not '${DOTENV_RUN_CURL}'")
endif()

# The source, fetched once per build directory at configure time, so that a machine without
# Debian's source index fails here with one line rather than halfway through the build.
set(curl_root ${CMAKE_BINARY_DIR}/curl-minimal)
set(curl_source ${curl_root}/source)
if(NOT EXISTS ${curl_source}/include/curl/curl.h OR NOT EXISTS ${curl_root}/debian-version)
  file(REMOVE_RECURSE ${curl_root})
  file(MAKE_DIRECTORY ${curl_root}/download)
  message(STATUS "Fetching Debian's curl source (apt-get source curl)")
  execute_process(COMMAND apt-get source --download-only -qq curl
                  WORKING_DIRECTORY ${curl_root}/download RESULT_VARIABLE fetched OUTPUT_QUIET ERROR_VARIABLE fetch_error)
  file(GLOB dsc ${curl_root}/download/curl_*.dsc)
  if(NOT fetched EQUAL 0 OR NOT dsc)
    string(STRIP "${fetch_error}" fetch_error)
    message(FATAL_ERROR "DOTENV_RUN_CURL=minimal needs Debian's curl source, and `apt-get source curl` failed "
                        "(${fetch_error}); run scripts/install-deps, which adds the deb-src entries, "
                        "or configure with -DDOTENV_RUN_CURL=system")
  endif()
  execute_process(COMMAND dpkg-source --no-copy -x ${dsc} ${curl_source}
                  RESULT_VARIABLE unpacked OUTPUT_QUIET ERROR_VARIABLE unpack_error)
  if(NOT unpacked EQUAL 0)
    message(FATAL_ERROR "dpkg-source could not unpack ${dsc}: ${unpack_error}")
  endif()
  file(STRINGS ${dsc} version_line REGEX "^Version: ")
  string(REGEX REPLACE "^Version: " "" debian_version "${version_line}")
  file(WRITE ${curl_root}/debian-version "${debian_version}")
  file(REMOVE_RECURSE ${curl_root}/download)
endif()
file(READ ${curl_root}/debian-version debian_version)
set(DOTENV_RUN_CURL_BUILD "static, HTTP and HTTPS only, from Debian's curl ${debian_version}")

include(ExternalProject)
set(curl_library ${curl_root}/build/lib/libcurl.a)
# Debian's own hardening flags for curl, position-independent for our PIE programs.
set(curl_c_flags "-O2 -fstack-protector-strong -fstack-clash-protection -fcf-protection -D_FORTIFY_SOURCE=2 -DNDEBUG")
ExternalProject_Add(curl_minimal
  SOURCE_DIR ${curl_source}
  BINARY_DIR ${curl_root}/build
  DOWNLOAD_COMMAND ""
  UPDATE_COMMAND ""
  BUILD_COMMAND ${CMAKE_COMMAND} --build <BINARY_DIR> --target libcurl
  INSTALL_COMMAND ""
  CMAKE_ARGS
    -DCMAKE_BUILD_TYPE=Release
    -DCMAKE_C_FLAGS_RELEASE=${curl_c_flags}
    -DCMAKE_C_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER}
    -DCMAKE_POSITION_INDEPENDENT_CODE=ON
    -DBUILD_SHARED_LIBS=OFF
    -DBUILD_CURL_EXE=OFF
    -DBUILD_TESTING=OFF
    -DCURL_ENABLE_EXPORT_TARGET=OFF
    -DPICKY_COMPILER=OFF
    -DHTTP_ONLY=ON
    -DCURL_USE_OPENSSL=ON
    -DENABLE_THREADED_RESOLVER=ON
    -DENABLE_IPV6=ON
    -DCURL_ZLIB=OFF
    -DCURL_BROTLI=OFF
    -DCURL_ZSTD=OFF
    -DUSE_NGHTTP2=OFF
    -DUSE_LIBIDN2=OFF
    -DCURL_USE_LIBPSL=OFF
    -DCURL_USE_LIBSSH2=OFF
    -DCURL_USE_GSSAPI=OFF
    -DCURL_DISABLE_COOKIES=ON
    -DCURL_DISABLE_ALTSVC=ON
    -DCURL_DISABLE_HSTS=ON
    -DCURL_DISABLE_DOH=ON
    -DCURL_DISABLE_NETRC=ON
    -DCURL_DISABLE_NTLM=ON
    -DCURL_DISABLE_MIME=ON
    -DCURL_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
    -DCURL_CA_PATH=/etc/ssl/certs
  BUILD_BYPRODUCTS ${curl_library}
  LOG_CONFIGURE ON
  LOG_BUILD ON
  LOG_OUTPUT_ON_FAILURE ON)

find_package(Threads REQUIRED)
add_library(curl_minimal_library STATIC IMPORTED GLOBAL)
set_target_properties(curl_minimal_library PROPERTIES IMPORTED_LOCATION ${curl_library})
target_include_directories(dotenv_curl SYSTEM INTERFACE ${curl_source}/include)
target_link_libraries(dotenv_curl INTERFACE curl_minimal_library OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
add_dependencies(dotenv_curl curl_minimal)

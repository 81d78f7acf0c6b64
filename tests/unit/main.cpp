// The doctest runner for the core's unit tests (one binary, every tests/unit/*_test.cpp).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

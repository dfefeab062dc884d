// Catch2 2.x needs one translation unit that defines main; 3.x links
// Catch2::Catch2WithMain instead and compiles this file empty.
#if XSD_CATCH2_MAJOR < 3
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
#endif

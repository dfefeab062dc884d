// The process-wide numerics switch (xsd/models/numerics.h): the setter wins
// over the environment. (What the mode does to a forward is tested on CUDA in
// cuda_kernels_test.cc; without libxsd's kernels it changes nothing.)
#include <cstdlib>

#include "xsd/models/numerics.h"
#include "xsd_catch.h"

namespace xsd {
namespace {

TEST_CASE("row-invariant numerics: the setter overrides XSD_ROW_INVARIANT", "[models][numerics]") {
  setenv("XSD_ROW_INVARIANT", "1", 1);
  SetRowInvariantNumerics(false);
  CHECK_FALSE(RowInvariantNumerics());
  SetRowInvariantNumerics(true);
  CHECK(RowInvariantNumerics());
  unsetenv("XSD_ROW_INVARIANT");
  CHECK(RowInvariantNumerics());
  SetRowInvariantNumerics(false);  // the default again for the other cases
  CHECK_FALSE(RowInvariantNumerics());
}

}  // namespace
}  // namespace xsd

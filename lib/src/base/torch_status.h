// The boundary between libtorch (which throws) and libxsd (which returns
// absl::Status). Every library entry point that calls into torch wraps the
// call with XSD_TORCH_TRY / XSD_TORCH_CATCH or TorchCall so no exception
// escapes: c10::OutOfMemoryError becomes ResourceExhausted, other c10::Error
// and std::exception become Internal, with `context` in front.
//
// Header-only on purpose: it needs <c10/util/Exception.h> only, no ATen.
#pragma once

#include <exception>
#include <string>
#include <utility>

#include <c10/util/Exception.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace xsd {

inline absl::Status StatusFromException(absl::string_view context, const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const c10::OutOfMemoryError& err) {
    return absl::ResourceExhaustedError(absl::StrCat(context, ": out of device memory: ", err.what_without_backtrace()));
  } catch (const c10::Error& err) {
    return absl::InternalError(absl::StrCat(context, ": ", err.what_without_backtrace()));
  } catch (const std::exception& err) {
    return absl::InternalError(absl::StrCat(context, ": ", err.what()));
  } catch (...) {
    return absl::InternalError(absl::StrCat(context, ": unknown exception"));
  }
}

// Runs fn() (returning absl::Status or absl::StatusOr<T>) and converts any
// exception into a Status.
template <typename Fn>
auto TorchCall(absl::string_view context, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (...) {
    return StatusFromException(context, std::current_exception());
  }
}

}  // namespace xsd

// Status helpers: every error that crosses the libxsd API is an absl::Status
// with context ("scheduler.gamma: must be >= 0, got -2"). No exception escapes
// the library.
#pragma once

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace xsd {

// Prefixes `context` to the message of a non-OK status, keeping its code.
// Annotate(InvalidArgument("bad"), "loading x") -> InvalidArgument("loading x: bad").
absl::Status Annotate(const absl::Status& status, absl::string_view context);

}  // namespace xsd

#define XSD_STATUS_CONCAT_INNER_(a, b) a##b
#define XSD_STATUS_CONCAT_(a, b) XSD_STATUS_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function when `expr` is not OK.
#define XSD_RETURN_IF_ERROR(expr)                 \
  do {                                            \
    ::absl::Status xsd_status_ = (expr);          \
    if (!xsd_status_.ok()) return xsd_status_;    \
  } while (0)

// XSD_ASSIGN_OR_RETURN(auto x, MakeX()); assigns the value or returns the error.
#define XSD_ASSIGN_OR_RETURN(lhs, expr) \
  XSD_ASSIGN_OR_RETURN_IMPL_(XSD_STATUS_CONCAT_(xsd_statusor_, __LINE__), lhs, expr)
#define XSD_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return std::move(tmp).status();   \
  lhs = std::move(tmp).value()

// Same, with context prepended to the error message.
#define XSD_RETURN_IF_ERROR_CTX(expr, context)                          \
  do {                                                                  \
    ::absl::Status xsd_status_ = (expr);                                \
    if (!xsd_status_.ok()) return ::xsd::Annotate(xsd_status_, context); \
  } while (0)

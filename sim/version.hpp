#pragma once
// The version baked into every output file (provenance). `git_describe` is taken when the binary is
// built, not when the build is configured, so it names the commit the binary was built from
// (cmake/GitDescribe.cmake writes version.cpp).
namespace migrasim {
extern const char* const version_string;  // the project version, e.g. "0.1.0"
extern const char* const git_describe;    // `git describe --always --dirty --tags`, or "unknown"
}  // namespace migrasim

#pragma once
// The two exception roots (Arbor's habit): a user's mistake versus a bug in migrasim.
#include <stdexcept>
#include <string>

namespace migrasim {

// Bad input: a scenario, a value or a file that a user can fix. The CLI exits with code 2.
struct InputError : std::runtime_error {
  explicit InputError(const std::string& what) : std::runtime_error(printable(what)) {}
  explicit InputError(const char* what) : InputError(std::string(what)) {}
  // The message with control characters (a NUL or an escape in a damaged file or file name) written as
  // \xNN, so that the whole message prints and cannot drive the terminal; newlines and tabs are kept.
  static std::string printable(const std::string& s) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    out.reserve(s.size());
    for (char ch : s) {
      const auto c = static_cast<unsigned char>(ch);
      if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
        out += "\\x";
        out += digits[c >> 4];
        out += digits[c & 15];
      } else {
        out += ch;
      }
    }
    return out;
  }
};

// A broken invariant inside migrasim. The CLI exits with code 1.
struct InternalError : std::logic_error {
  using std::logic_error::logic_error;
};

}  // namespace migrasim

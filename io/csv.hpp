#pragma once
// A small, strict CSV reader (RFC 4180 quoting). Every field keeps its line and column for error messages.
#include <cstdint>
#include <string>
#include <vector>

#include "io/yaml_tree.hpp"

namespace migrasim::io {

struct CsvField {
  std::string text;
  int column = 0;  // 1-based character column where the field starts
};

struct CsvRow {
  int line = 0;  // 1-based
  std::vector<CsvField> fields;
};

struct CsvTable {
  std::string path;
  std::vector<std::string> header;
  std::vector<CsvRow> rows;  // without the header; blank lines skipped

  // Index of a header column, -1 if absent.
  int column(const std::string& name) const;
  SourceMark mark(const CsvRow& row, int field) const;
};

// Throws InputError "path:line:column: ..." on unreadable files, unterminated quotes, or rows whose number
// of fields differs from the header's.
// With `ragged`, rows may have any number of fields (for other projects' files, e.g. Flee's, whose
// headers carry a trailing comma); the caller checks what it needs.
CsvTable read_csv(const std::string& path, bool ragged = false);

// The whole of an input file (a scenario, a CSV, a page). Refuses, with InputError naming `path` and
// `what` it is: a missing or unreadable file, anything but a regular file (a folder, /dev/zero, a FIFO:
// they would be read forever) and files over max_input_file_bytes.
inline constexpr std::uintmax_t max_input_file_bytes = std::uintmax_t{1} << 30;
std::string read_input_file(const std::string& path, const std::string& what);

// An output path must be a file name whose existing file, if any, is a regular file: a folder, a device
// node, a FIFO or a socket is never replaced by an output (as root, `-o /dev/full` would replace the node).
// Throws InputError naming `path`.
void check_output_path(const std::string& path);

// The name an output is written under until it is complete: "<path>.partial-<pid>" (the HDF5 writer, the
// atomic CSV writer, and the CLI, which removes it on a signal).
std::string partial_path(const std::string& path);

// Writes `text` to `path` through a temporary file beside it that is renamed into place, so that a failed
// write never leaves a half-written file under the requested name. Throws InputError "path: cannot write
// the file" on failure.
void write_file_atomically(const std::string& path, const std::string& text);
CsvTable parse_csv(const std::string& text, const std::string& path, bool ragged = false);

}  // namespace migrasim::io

#include "io/csv.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sim/errors.hpp"

namespace migrasim::io {

int CsvTable::column(const std::string& name) const {
  for (std::size_t i = 0; i < header.size(); ++i)
    if (header[i] == name) return static_cast<int>(i);
  return -1;
}

SourceMark CsvTable::mark(const CsvRow& row, int field) const {
  int col = 1;
  if (field >= 0 && static_cast<std::size_t>(field) < row.fields.size())
    col = row.fields[static_cast<std::size_t>(field)].column;
  return SourceMark{path, row.line, col};
}

CsvTable parse_csv(const std::string& text, const std::string& path, bool ragged) {
  CsvTable table;
  table.path = path;
  std::size_t i = text.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;  // a UTF-8 byte-order mark
  int line = 1;
  bool have_header = false;
  while (i < text.size()) {
    CsvRow row;
    row.line = line;
    std::size_t line_start = i;
    bool blank = true;
    for (;;) {
      CsvField field;
      field.column = static_cast<int>(i - line_start) + 1;
      if (i < text.size() && text[i] == '"') {
        blank = false;
        const int quote_line = line, quote_col = field.column;
        ++i;
        for (;;) {
          if (i >= text.size())
            throw InputError(path + ":" + std::to_string(quote_line) + ":" + std::to_string(quote_col) +
                             ": unterminated quoted field");
          if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              field.text += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') {
            ++line;
            line_start = i + 1;
          }
          field.text += text[i++];
        }
        if (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
          throw InputError(path + ":" + std::to_string(line) + ":" +
                           std::to_string(static_cast<int>(i - line_start) + 1) +
                           ": unexpected character after a closing quote");
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n' && text[i] != '\r')
          field.text += text[i++];
      }
      // Trim surrounding spaces of unquoted fields.
      const auto b = field.text.find_first_not_of(" \t");
      const auto e = field.text.find_last_not_of(" \t");
      field.text = b == std::string::npos ? std::string() : field.text.substr(b, e - b + 1);
      if (!field.text.empty()) blank = false;
      row.fields.push_back(std::move(field));
      if (i < text.size() && text[i] == ',') {
        ++i;
        blank = false;
        continue;
      }
      break;
    }
    if (i < text.size() && text[i] == '\r') ++i;
    if (i < text.size() && text[i] == '\n') ++i;
    ++line;
    if (blank) continue;
    if (!have_header) {
      for (const auto& f : row.fields) table.header.push_back(f.text);
      have_header = true;
      continue;
    }
    if (!ragged && row.fields.size() != table.header.size())
      throw InputError(path + ":" + std::to_string(row.line) + ":1: expected " +
                       std::to_string(table.header.size()) + " fields as in the header, found " +
                       std::to_string(row.fields.size()));
    table.rows.push_back(std::move(row));
  }
  if (!have_header) throw InputError(path + ":1:1: empty CSV file, expected a header line");
  return table;
}

std::string read_input_file(const std::string& path, const std::string& what) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw InputError(path + ": cannot open the " + what + " (no such file)");
  if (!fs::is_regular_file(st))
    throw InputError(
        path + ": not a regular file (" +
        (fs::is_directory(st) ? std::string("a folder") : std::string("a device, FIFO or socket")) +
        "), expected the " + what);
  const std::uintmax_t size = fs::file_size(path, ec);
  if (!ec && size > max_input_file_bytes)
    throw InputError(path + ": " + std::to_string(size) + " bytes, expected the " + what + " of at most " +
                     std::to_string(max_input_file_bytes) + " bytes (1 GiB)");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open the " + what);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw InputError(path + ": cannot read the " + what);
  return ss.str();
}

CsvTable read_csv(const std::string& path, bool ragged) {
  return parse_csv(read_input_file(path, "CSV file"), path, ragged);
}

std::string partial_path(const std::string& path) {
  return path + ".partial-" + std::to_string(static_cast<long>(::getpid()));
}

void check_output_path(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) throw InputError("the output path is empty, expected a file name");
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);  // follows links: a link to a device is a device
  if (ec || !fs::exists(st) || fs::is_regular_file(st)) return;
  throw InputError(
      path + ": exists and is not a regular file (" +
      (fs::is_directory(st) ? std::string("a folder") : std::string("a device, FIFO or socket")) +
      "); expected a file name to write, refusing to replace it");
}

void write_file_atomically(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  check_output_path(path);
  const fs::path partial = partial_path(path);
  std::error_code ec;
  {
    std::ofstream f(partial, std::ios::binary);
    f << text;
    f.flush();
    if (!f) {
      fs::remove(partial, ec);
      throw InputError(path + ": cannot write the file");
    }
  }
  fs::rename(partial, path, ec);
  if (ec) {
    fs::remove(partial, ec);
    throw InputError(path + ": cannot write the file");
  }
}

}  // namespace migrasim::io

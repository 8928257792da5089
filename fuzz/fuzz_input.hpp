#pragma once
// Shared by the fuzz targets: a private scratch folder per process, and the rule that decides what a
// finding is. A reader may refuse any input with InputError (the CLI's exit 2); anything else that
// escapes it (another exception, bad_alloc, a crash, a sanitizer report) is a finding.
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <string_view>

#include <unistd.h>

#include "sim/errors.hpp"

namespace migrasim::fuzz {

// A folder of this process's own under the system's temporary folder, emptied for each input and
// removed when the process ends normally.
inline std::filesystem::path scratch(const char* target) {
  namespace fs = std::filesystem;
  struct Folder {
    fs::path path;
    ~Folder() {
      std::error_code ec;
      fs::remove_all(path, ec);
    }
  };
  static const Folder dir{fs::temp_directory_path() /
                          (std::string("migrasim-fuzz-") + target + "-" + std::to_string(::getpid()))};
  std::error_code ec;
  fs::remove_all(dir.path, ec);
  fs::create_directories(dir.path);
  return dir.path;
}

// Writes `bytes` to `p`, making its folders; a path the input cannot have (a folder where a file is, a
// file where a folder should be) is skipped: the reader then sees what the input managed to write.
inline void write(const std::filesystem::path& p, std::string_view bytes) {
  std::error_code ec;
  std::filesystem::create_directories(p.parent_path(), ec);
  if (ec || std::filesystem::is_directory(p, ec)) return;
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Runs `read`: an InputError is the expected refusal; anything else aborts with what escaped.
template <class F>
int expect_input_error_only(F&& read) {
  try {
    read();
  } catch (const InputError&) {
  } catch (const std::exception& e) {
    std::cerr << "fuzz finding: an exception other than InputError escaped: " << e.what() << "\n";
    std::abort();
  }
  return 0;
}

}  // namespace migrasim::fuzz

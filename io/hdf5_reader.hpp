#pragma once
// Reading migrasim output files: the summary of `migrasim info` (the typed reads it shares with the
// comparisons are in hdf5_common.hpp). The layout is described in hdf5_writer.hpp and docs/output.md.
#include <string>

namespace migrasim::io {

// For `migrasim info`: a human-readable summary of an output file. Throws InputError if the file cannot be
// read as a migrasim output.
std::string summarise_file(const std::string& path);

}  // namespace migrasim::io

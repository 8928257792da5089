// Fuzz target: the Flee case reader. The input is a Flee case packed as sections, each starting with a
// line `=== PATH` (PATH relative to the case folder: input/locations.csv, validation/data_layout.csv,
// simsetting.yml, ...); the case is unpacked into a scratch folder and imported as `migrasim import-flee`
// does (the scenario text, then load_scenario). It must import or be refused with InputError.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_input.hpp"
#include "io/flee_case.hpp"
#include "io/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fz = migrasim::fuzz;
  const auto dir = fz::scratch("flee");
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  // Sections: "=== PATH\n" then the file's bytes up to the next "\n=== " or the end.
  std::size_t at = in.rfind("=== ", 0) == 0 ? 0 : in.find("\n=== ");
  while (at != std::string_view::npos) {
    const std::size_t head = at + (in[at] == '\n' ? 5 : 4);
    const std::size_t eol = in.find('\n', head);
    const std::string_view path = in.substr(head, eol == std::string_view::npos ? in.npos : eol - head);
    const std::size_t next = eol == std::string_view::npos ? in.npos : in.find("\n=== ", eol);
    const std::string_view body = eol == std::string_view::npos
                                      ? std::string_view()
                                      : in.substr(eol + 1, next == in.npos ? in.npos : next - eol - 1);
    // Only plain relative names inside the case folder (the fuzzer must not write elsewhere).
    const std::filesystem::path rel(path);
    bool plain = !path.empty() && path.size() < 100 && rel.is_relative();
    for (const auto& part : rel) plain = plain && part != ".." && part != "." && !part.empty();
    for (unsigned char c : path) plain = plain && c >= 0x20 && c < 0x7f;
    if (plain) fz::write(dir / "case" / rel, body);
    at = next;
  }
  return fz::expect_input_error_only([&] {
    const auto paths = migrasim::io::locate_flee_case((dir / "case").string());
    fz::write(dir / "scenario.yaml", migrasim::io::flee_case_to_yaml(paths, dir.string()));
    migrasim::io::load_scenario((dir / "scenario.yaml").string());
  });
}

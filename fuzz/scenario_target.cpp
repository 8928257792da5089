// Fuzz target: the scenario reader. The input is a scenario file (YAML) read beside the mini test
// scenario's locations CSV (`locations: mini_locations.csv`, as in tests/data/mini.yaml, finds it);
// load_scenario must accept it or refuse it with InputError. Built with libFuzzer (preset asan) or replayed
// over saved inputs (fuzz/replay_main.cpp).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_input.hpp"
#include "io/scenario.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace fz = migrasim::fuzz;
  const auto dir = fz::scratch("scenario");
  fz::write(dir / "mini_locations.csv",
            "name,country,kind,lat,lon,population,capacity\n"
            "O1,ORI,town,10.0,-80.0,1000000,-1\n"
            "O2,ORI,town,10.5,-80.5,500000,-1\n"
            "B,ORI,border_crossing,11.0,-81.0,0,-1\n"
            "X,DST,border_crossing,11.01,-81.01,0,-1\n"
            "D1,DST,destination,12.0,-82.0,0,-1\n"
            "\"D2\",DST,destination,13.0,-83.0,0,-1\n");
  fz::write(dir / "scenario.yaml", std::string_view(reinterpret_cast<const char*>(data), size));
  return fz::expect_input_error_only([&] { migrasim::io::load_scenario((dir / "scenario.yaml").string()); });
}

#include <hdf5.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "io/hdf5_common.hpp"
#include "io/hdf5_reader.hpp"
#include "sim/errors.hpp"

using namespace migrasim;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path dir;
  TempDir() {
    dir = fs::temp_directory_path() /
          ("migrasim_hdf5_reader_test_" + std::to_string(static_cast<long>(::getpid())));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string file(const std::string& name) const { return (dir / name).string(); }
};

}  // namespace

TEST_CASE("summarise_file rejects files that are not migrasim output", "[io]") {
  TempDir tmp;
  SECTION("missing file") {
    CHECK_THROWS_AS(io::summarise_file(tmp.file("missing.h5")), InputError);
    try {
      io::summarise_file(tmp.file("missing.h5"));
    } catch (const InputError& e) {
      CHECK_THAT(e.what(), Catch::Contains("not a migrasim output file"));
      CHECK_THAT(e.what(), Catch::Contains("missing.h5"));
    }
  }
  SECTION("not HDF5") {
    const std::string path = tmp.file("text.h5");
    { std::ofstream(path) << "hello\n"; }
    CHECK_THROWS_AS(io::summarise_file(path), InputError);
  }
  SECTION("HDF5 without the datasets") {
    const std::string path = tmp.file("other.h5");
    {
      io::h5::ErrorSilencer silence;
      io::h5::Handle f(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    }
    CHECK_THROWS_AS(io::summarise_file(path), InputError);
  }
}

TEST_CASE("the shared typed reads return values, shapes, labels and attributes", "[io]") {
  using namespace io::h5;
  TempDir tmp;
  const std::string path = tmp.file("typed.h5");
  {
    Handle f = checked(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose, "create");
    const std::vector<std::int64_t> values{1, 2, 3, 4, 5, 6};
    Handle space = make_space({2, 3});
    Handle d = checked(
        H5Dcreate2(f.get(), "grid", H5T_STD_I64LE, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
        H5Dclose, "dataset");
    check(H5Dwrite(d.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), "write");
    const char* labels[] = {"alpha", "beta"};
    Handle type = utf8_string_type();
    Handle lspace = make_space({2});
    Handle l = checked(
        H5Dcreate2(f.get(), "labels", type.get(), lspace.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
        H5Dclose, "labels");
    check(H5Dwrite(l.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, labels), "write labels");
    Handle scalar = make_space({});
    Handle a = checked(H5Acreate2(f.get(), "days", H5T_STD_I32LE, scalar.get(), H5P_DEFAULT, H5P_DEFAULT),
                       H5Aclose, "attribute");
    const std::int32_t days = 42;
    check(H5Awrite(a.get(), H5T_NATIVE_INT32, &days), "write attribute");
  }
  ErrorSilencer silence;
  Handle f = checked(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "open");
  std::vector<hsize_t> shape;
  CHECK(read_all_int64(f.get(), "grid", &shape) == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6});
  CHECK(shape == std::vector<hsize_t>{2, 3});
  CHECK(read_slice(f.get(), "grid", 1) == std::vector<std::int64_t>{4, 5, 6});
  CHECK(read_strings(f.get(), "labels") == std::vector<std::string>{"alpha", "beta"});
  CHECK(attr_text(f.get(), "days") == "42");
  CHECK(attr_text(f.get(), "absent").empty());
  CHECK(has_link(f.get(), "grid"));
  CHECK_FALSE(has_link(f.get(), "nothing"));
  CHECK_THROWS_AS(read_all_int64(f.get(), "nothing"), NotMigrasim);
  CHECK_THROWS_AS(read_strings(f.get(), "grid"), NotMigrasim);   // numbers are not labels
  CHECK_THROWS_AS(read_slice(f.get(), "grid", 2), NotMigrasim);  // past the end of time
}

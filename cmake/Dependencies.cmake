# Every third-party dependency, each with the Debian 12 package that provides it.
# A missing one stops the configure step with the package to install.

macro(migrasim_require found pkg what)
  if(NOT ${found})
    message(FATAL_ERROR "migrasim needs ${what}: install it with `sudo apt-get install ${pkg}` "
                        "(or run ./run.sh, which installs every missing package).")
  endif()
endmacro()

find_package(TBB QUIET CONFIG)
migrasim_require(TBB_FOUND libtbb-dev "oneTBB")

find_package(HDF5 QUIET COMPONENTS C HL)
migrasim_require(HDF5_FOUND libhdf5-dev "HDF5 (C API and high-level library)")
if(NOT HDF5_HL_LIBRARIES)
  message(FATAL_ERROR "migrasim needs the HDF5 high-level library: `sudo apt-get install libhdf5-dev`.")
endif()
add_library(migrasim_hdf5 INTERFACE)
target_include_directories(migrasim_hdf5 SYSTEM INTERFACE ${HDF5_INCLUDE_DIRS})
target_link_libraries(migrasim_hdf5 INTERFACE ${HDF5_HL_LIBRARIES} ${HDF5_C_LIBRARIES})
target_compile_definitions(migrasim_hdf5 INTERFACE ${HDF5_DEFINITIONS})

find_package(Boost 1.74 QUIET COMPONENTS graph)
migrasim_require(Boost_FOUND libboost-graph-dev "Boost.Graph")

find_package(yaml-cpp QUIET CONFIG)
migrasim_require(yaml-cpp_FOUND libyaml-cpp-dev "yaml-cpp")

find_package(CLI11 QUIET CONFIG)
migrasim_require(CLI11_FOUND libcli11-dev "CLI11")

find_package(fmt QUIET CONFIG)
migrasim_require(fmt_FOUND libfmt-dev "fmt")

find_path(RANDOM123_INCLUDE_DIR Random123/philox.h)
migrasim_require(RANDOM123_INCLUDE_DIR librandom123-dev "Random123 (counter-based random numbers)")
add_library(migrasim_random123 INTERFACE)
target_include_directories(migrasim_random123 SYSTEM INTERFACE ${RANDOM123_INCLUDE_DIR})

if(MIGRASIM_TESTS)
  find_package(Catch2 2.13 QUIET CONFIG)
  migrasim_require(Catch2_FOUND catch2 "Catch2 v2")
endif()

if(MIGRASIM_PYTHON)
  # Debian's interpreter carries numpy, h5py, xarray; the first python3 on PATH may not.
  if(NOT DEFINED Python_EXECUTABLE AND EXISTS /usr/bin/python3)
    set(Python_EXECUTABLE /usr/bin/python3)
  endif()
  find_package(Python 3.9 QUIET COMPONENTS Interpreter Development.Module)
  migrasim_require(Python_FOUND python3-dev "Python development headers")
  set(PYBIND11_FINDPYTHON ON)
  find_package(pybind11 QUIET CONFIG)
  migrasim_require(pybind11_FOUND pybind11-dev "pybind11")
endif()

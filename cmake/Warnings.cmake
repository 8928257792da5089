add_library(migrasim_warnings INTERFACE)
target_compile_options(migrasim_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
  -Wno-sign-conversion)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 reports false -Wrestrict positives inside std::string concatenation (GCC bug 105329).
  target_compile_options(migrasim_warnings INTERFACE -Wno-restrict)
  # Warnings are errors with the project's compiler (g++ 12); the clang builds (presets asan, tsan) only warn.
  if(MIGRASIM_WERROR)
    target_compile_options(migrasim_warnings INTERFACE -Werror)
  endif()
endif()

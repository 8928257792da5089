add_library(migrasim_warnings INTERFACE)
target_compile_options(migrasim_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
  -Wno-sign-conversion
  # GCC 12 reports false -Wrestrict positives inside std::string concatenation (GCC bug 105329).
  -Wno-restrict)
if(MIGRASIM_WERROR)
  target_compile_options(migrasim_warnings INTERFACE -Werror)
endif()

# Script mode (cmake -P), run at every build: writes OUT from IN with MIGRASIM_GIT set to
# `git describe --always --dirty --tags` of SOURCE_DIR ("unknown" outside a git checkout). configure_file
# leaves OUT untouched when nothing changed, so only a new commit (or a change of the dirty state)
# recompiles it.
execute_process(COMMAND git describe --always --dirty --tags
  WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE MIGRASIM_GIT OUTPUT_STRIP_TRAILING_WHITESPACE
  ERROR_QUIET)
if(NOT MIGRASIM_GIT)
  set(MIGRASIM_GIT "unknown")
endif()
configure_file(${IN} ${OUT} @ONLY)

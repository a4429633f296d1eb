# ctest python.install: `cmake --install` into a fresh prefix, then Debian's
# python imports the installed package (not the build tree's) with PYTHONPATH.
# -DBUILD_DIR= -DPREFIX= -DSUBDIR=lib/python3/dist-packages -DPYTHON=
file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX}
                RESULT_VARIABLE rc OUTPUT_QUIET ERROR_VARIABLE err)
if(rc)
  message(FATAL_ERROR "cmake --install ${BUILD_DIR} --prefix ${PREFIX} failed: ${err}")
endif()
set(code "import medsettle; assert medsettle.__file__.startswith('${PREFIX}/'), medsettle.__file__; print(medsettle.builtin())")
execute_process(COMMAND ${CMAKE_COMMAND} -E env PYTHONPATH=${PREFIX}/${SUBDIR} ${PYTHON} -c "${code}"
                WORKING_DIRECTORY / RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(rc OR NOT out MATCHES "^<medsettle.Plan hunan")
  message(FATAL_ERROR "the installed module does not import from ${PREFIX}/${SUBDIR}:\n${out}${err}")
endif()
message(STATUS "installed: ${out}")

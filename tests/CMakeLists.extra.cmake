# The command's end-to-end tests. Without the command (MEDSETTLE_BUILD_CLI=OFF)
# each is registered as skipped with its reason (medsettle_skipped_test,
# tests/CMakeLists.txt), so that ctest says it did not run.
if(TARGET medsettle_cli)
  # medsettle compare: end-to-end (text, --diff, exit codes) and in a headless browser (--html).
  add_test(NAME e2e.compare
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/compare_test.sh $<TARGET_FILE:medsettle_cli> ${PROJECT_SOURCE_DIR})
  add_test(NAME e2e.compare_browser
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/compare_browser_test.sh $<TARGET_FILE:medsettle_cli> ${PROJECT_SOURCE_DIR})
  set_tests_properties(e2e.compare_browser PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
  # medsettle generate and replay: end to end.
  add_test(NAME e2e.generate_replay
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/test_generate_replay.sh $<TARGET_FILE:medsettle_cli> ${PROJECT_SOURCE_DIR})
  # The rule-file digest against sha256sum of the files' bytes.
  add_test(NAME e2e.digest
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/digest_test.sh $<TARGET_FILE:medsettle_cli> ${PROJECT_SOURCE_DIR})
else()
  foreach(t IN ITEMS e2e.compare e2e.compare_browser e2e.generate_replay e2e.digest)
    medsettle_skipped_test(${t} "the medsettle command is not built (MEDSETTLE_BUILD_CLI=OFF)")
  endforeach()
endif()
# medsettle validate on rule-file mistakes and limits; show and diff: end to end (the installed command).
medsettle_e2e_test(e2e.rules rules_test.sh)
medsettle_e2e_test(e2e.show_diff show_diff_test.sh)
# settle --format csv for spreadsheets (--bom, --headers zh, --itemize): the installed command.
medsettle_e2e_test(e2e.csv csv_test.sh)
# bench/e2e.sh (end to end figures, grouped and shuffled input) runs, with 300 persons.
medsettle_e2e_test(e2e.bench_script bench_e2e_test.sh)
if(TARGET medsettle_cli)
  set_tests_properties(e2e.bench_script PROPERTIES SKIP_RETURN_CODE 77)
endif()
# medsettle slip (HTML, PDF, --ledger) and explain's attributes and choices: end to end (the installed command),
# and the slip in a headless browser.
medsettle_e2e_test(e2e.slip slip_test.sh)
if(TARGET medsettle_cli)
  set_tests_properties(e2e.slip PROPERTIES TIMEOUT 300)
endif()
add_test(NAME e2e.slip_browser
  COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/e2e/slip_browser_test.sh ${CMAKE_BINARY_DIR} ${PROJECT_SOURCE_DIR})
set_tests_properties(e2e.slip_browser PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 RUN_SERIAL TRUE)

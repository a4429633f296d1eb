# The message catalogues (po/, issue #16): every text in both languages, the
# template up to date with the sources, and the installed command in Chinese
# and English. Without msgfmt, xgettext or python3 they are registered as
# skipped, with the reason (scripts/bootstrap.sh installs gettext and python3).
find_package(Python3 COMPONENTS Interpreter)
find_program(MEDSETTLE_XGETTEXT xgettext)
find_program(MEDSETTLE_MSGCAT msgcat)
if(NOT GETTEXT_MSGFMT_EXECUTABLE)
  set(no_catalogue "msgfmt was not found when the build was configured (Debian: gettext)")
  medsettle_skipped_test(po.catalogue "${no_catalogue}")
  medsettle_skipped_test(po.up_to_date "${no_catalogue}")
  medsettle_skipped_test(e2e.i18n "${no_catalogue}")
  medsettle_skipped_test(e2e.i18n_reports "${no_catalogue}")
  return()
endif()
if(Python3_Interpreter_FOUND)
  add_test(NAME po.catalogue COMMAND Python3::Interpreter ${CMAKE_CURRENT_SOURCE_DIR}/i18n/check_catalogue.py
           ${GETTEXT_MSGFMT_EXECUTABLE} ${PROJECT_SOURCE_DIR}/po)
else()
  medsettle_skipped_test(po.catalogue "python3 was not found when the build was configured")
endif()
if(MEDSETTLE_XGETTEXT AND MEDSETTLE_MSGCAT)
  add_test(NAME po.up_to_date COMMAND sh ${PROJECT_SOURCE_DIR}/po/update.sh --check)
else()
  medsettle_skipped_test(po.up_to_date "xgettext or msgcat was not found when the build was configured (Debian: gettext)")
endif()
medsettle_e2e_test(e2e.i18n i18n_test.sh)
# The reports in both languages: compare (text, HTML), show, diff, explain's attributes, CLI11's parse errors.
medsettle_e2e_test(e2e.i18n_reports i18n_reports_test.sh)

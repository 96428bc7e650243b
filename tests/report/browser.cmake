# The HTML report in headless Chromium (browser_test.mjs, issue 11): ReportBrowser.Demo
# opens the report of the README's demo study in quick mode, ReportBrowser.ThousandClasses
# that of a synthetic 1000-class store grown from the demo's snapshot. Both need the
# demo's store, which the fixture ReportBrowser.DemoStudy fills (a rerun reuses its
# measurements). ReportBrowser.Detection (issue 13) opens a detection study's page
# written from hand-made data (detection_page_writer) and, in the same browser, a
# keypoint study's page (issue 14, keypoint_page_writer); it needs no store. They skip (exit 77) without node, Debian's chromium or node_modules,
# which scripts/bootstrap installs. Pages and screenshots go to <build>/report-test/.
find_program(SWEETSPOT_NODE node)
set(report_test_dir "${PROJECT_BINARY_DIR}/report-test")
set(demo_db "${report_test_dir}/demo/sweetspot.db")
file(MAKE_DIRECTORY "${report_test_dir}/demo")

add_test(NAME ReportBrowser.DemoStudy
         COMMAND sweetspot study "${PROJECT_SOURCE_DIR}/examples/fashion-mnist/study.toml" --quick --db "${demo_db}")
set_tests_properties(ReportBrowser.DemoStudy PROPERTIES FIXTURES_SETUP report_demo_store TIMEOUT 900 LABELS browser)

# A test-only writer of report snapshots: the synthetic store has a snapshot and nothing else.
add_executable(report_snapshot_writer "${CMAKE_CURRENT_LIST_DIR}/browser/report_snapshot_writer.cc")
target_link_libraries(report_snapshot_writer PRIVATE sweetspot_store nlohmann_json::nlohmann_json sweetspot_warnings)

# A test-only writer of a detection study's page (the hand-made section of detection_fixture.h).
add_executable(detection_page_writer "${CMAKE_CURRENT_LIST_DIR}/browser/detection_page_writer.cc"
                                     "${CMAKE_CURRENT_LIST_DIR}/browser/test_page.cc"
                                     "${CMAKE_CURRENT_LIST_DIR}/detection_fixture.cc")
target_include_directories(detection_page_writer PRIVATE "${CMAKE_CURRENT_LIST_DIR}" "${PROJECT_SOURCE_DIR}/src/report")
target_link_libraries(detection_page_writer PRIVATE sweetspot_report sweetspot_html ${OpenCV_LIBS} nlohmann_json::nlohmann_json
                                                    sweetspot_warnings)

# A test-only writer of a keypoint study's page (the synthetic video of keypoint_fixture.h).
add_executable(keypoint_page_writer "${CMAKE_CURRENT_LIST_DIR}/browser/keypoint_page_writer.cc"
                                    "${CMAKE_CURRENT_LIST_DIR}/browser/test_page.cc"
                                    "${CMAKE_CURRENT_LIST_DIR}/keypoint_fixture.cc")
target_include_directories(keypoint_page_writer PRIVATE "${CMAKE_CURRENT_LIST_DIR}" "${PROJECT_SOURCE_DIR}/src/report")
target_link_libraries(keypoint_page_writer PRIVATE sweetspot_report sweetspot_html ${OpenCV_LIBS} nlohmann_json::nlohmann_json
                                                   fmt::fmt sweetspot_warnings)

foreach(case Demo ThousandClasses)
  string(REGEX REPLACE "([a-z])([A-Z])" "\\1-\\2" mode "${case}")
  string(TOLOWER "${mode}" mode)
  if(SWEETSPOT_NODE)
    set(command "${SWEETSPOT_NODE}" "${CMAKE_CURRENT_LIST_DIR}/browser_test.mjs" ${mode}
        --sweetspot $<TARGET_FILE:sweetspot> --db "${demo_db}" --work-dir "${report_test_dir}"
        --node-modules "${SWEETSPOT_NODE_MODULES_DIR}" --store-writer $<TARGET_FILE:report_snapshot_writer>)
  else()
    set(command sh -c "echo 'SKIP: no node on PATH: run scripts/bootstrap (Debian nodejs)'; exit 77")
  endif()
  add_test(NAME ReportBrowser.${case} COMMAND ${command})
  set_tests_properties(ReportBrowser.${case} PROPERTIES FIXTURES_REQUIRED report_demo_store SKIP_RETURN_CODE 77
                       TIMEOUT 600 LABELS browser)
endforeach()

if(SWEETSPOT_NODE)
  set(command "${SWEETSPOT_NODE}" "${CMAKE_CURRENT_LIST_DIR}/browser_test.mjs" detection --work-dir "${report_test_dir}/detection"
      --node-modules "${SWEETSPOT_NODE_MODULES_DIR}" --page-writer $<TARGET_FILE:detection_page_writer>
      --keypoint-page-writer $<TARGET_FILE:keypoint_page_writer>)
else()
  set(command sh -c "echo 'SKIP: no node on PATH: run scripts/bootstrap (Debian nodejs)'; exit 77")
endif()
add_test(NAME ReportBrowser.Detection COMMAND ${command})
set_tests_properties(ReportBrowser.Detection PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300 LABELS browser)

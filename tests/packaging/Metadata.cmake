# SPDX-License-Identifier: GPL-3.0-or-later
# The desktop file and the AppStream metadata pass their validators (desktop-file-utils,
# appstream), and the metadata's newest release is the project's version.
set(id io.github.qtkeras.QtKeras)
set(desktop ${SOURCE_DIR}/packaging/${id}.desktop)
set(metainfo ${SOURCE_DIR}/packaging/${id}.metainfo.xml)

find_program(DESKTOP_FILE_VALIDATE desktop-file-validate REQUIRED)
find_program(APPSTREAMCLI appstreamcli REQUIRED)

execute_process(COMMAND ${DESKTOP_FILE_VALIDATE} ${desktop}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0 OR NOT out STREQUAL "")
    message(FATAL_ERROR "desktop-file-validate ${desktop} (exit ${rc}):\n${out}")
endif()

execute_process(COMMAND ${APPSTREAMCLI} validate --no-net --explain ${metainfo}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "appstreamcli validate ${metainfo} (exit ${rc}):\n${out}")
endif()

file(READ ${metainfo} xml)
string(REGEX MATCH "<release version=\"([^\"]+)\"" release "${xml}")
if(NOT CMAKE_MATCH_1 STREQUAL VERSION)
    message(FATAL_ERROR "the newest release in ${metainfo} is '${CMAKE_MATCH_1}', "
                        "the project's version is ${VERSION}: add a <release> for it")
endif()

file(READ ${desktop} entry)
foreach(key "Icon=${id}" "Exec=qtkeras")
    string(FIND "${entry}" "\n${key}\n" at)
    if(at EQUAL -1)
        message(FATAL_ERROR "${desktop} lacks the line ${key}")
    endif()
endforeach()
message(STATUS "${id}.desktop and ${id}.metainfo.xml are valid (release ${VERSION})")

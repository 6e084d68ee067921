# SPDX-License-Identifier: GPL-3.0-or-later
# qk_add_test(<name> [SOURCES ...] [LIBS ...] [LABELS ...] [TIMEOUT s])
# One QtTest executable per tst_*.cpp, registered with ctest. Sources default to <name>.cpp.
# Tests know the worker's interpreter and source folder through compile definitions.
function(qk_add_test name)
    cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
    if(NOT ARG_SOURCES)
        set(ARG_SOURCES ${name}.cpp)
    endif()
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT 300)
    endif()
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE Qt6::Test ${ARG_LIBS})
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/tests)
    target_compile_definitions(${name} PRIVATE
        QTKERAS_TEST_PYTHON="${QTKERAS_PYTHON}"
        QTKERAS_TEST_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    qk_target_warnings(${name})
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES
        TIMEOUT ${ARG_TIMEOUT}
        LABELS "${ARG_LABELS}"
        ENVIRONMENT "QT_QPA_PLATFORM=offscreen;KERAS_BACKEND=jax;QTKERAS_PYTHON=${QTKERAS_PYTHON}")
endfunction()

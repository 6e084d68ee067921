# SPDX-License-Identifier: GPL-3.0-or-later
# Project-wide options and the warning/sanitizer settings every target gets.
option(QTKERAS_WARNINGS_AS_ERRORS "Treat compiler warnings as errors" OFF)
set(QTKERAS_SANITIZE "" CACHE STRING "Sanitizers to enable, e.g. address;undefined")
set(QTKERAS_PYTHON "${PROJECT_SOURCE_DIR}/.venv/bin/python" CACHE FILEPATH
    "Python interpreter that runs the worker (a venv with the worker's requirements)")

add_compile_definitions(QT_NO_KEYWORDS QT_NO_CONTEXTLESS_CONNECT QT_NO_URL_CAST_FROM_STRING)

if(QTKERAS_SANITIZE)
    list(JOIN QTKERAS_SANITIZE "," _qk_sanitizers)
    add_compile_options(-fsanitize=${_qk_sanitizers} -fno-omit-frame-pointer)
    add_link_options(-fsanitize=${_qk_sanitizers})
endif()

# Applies the project's warning flags to a target.
function(qk_target_warnings target)
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                             -Wnon-virtual-dtor -Wold-style-cast)
    if(QTKERAS_WARNINGS_AS_ERRORS)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()

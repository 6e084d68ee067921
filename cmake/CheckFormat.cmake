# SPDX-License-Identifier: GPL-3.0-or-later
# Fails when a C++ file is not clang-formatted, the worker does not pass ruff and mypy, or a
# source file lacks its SPDX license line.
# Run as: cmake -DSOURCE_DIR=... -DPYTHON=... [-DMYPY_CACHE=dir] -P CheckFormat.cmake
file(GLOB_RECURSE sources
     ${SOURCE_DIR}/bridge/*.cpp ${SOURCE_DIR}/bridge/*.h
     ${SOURCE_DIR}/inspectors/*.cpp ${SOURCE_DIR}/inspectors/*.h
     ${SOURCE_DIR}/app/*.cpp ${SOURCE_DIR}/app/*.h
     ${SOURCE_DIR}/tests/*.cpp ${SOURCE_DIR}/tests/*.h
     ${SOURCE_DIR}/bench/*.cpp ${SOURCE_DIR}/bench/*.h
     ${SOURCE_DIR}/examples/*.cpp)
# The pinned clang-format in the worker's environment (python_worker/requirements.txt): each
# major version lays the same code out a little differently.
get_filename_component(python_bin ${PYTHON} DIRECTORY)
find_program(CLANG_FORMAT NAMES clang-format PATHS ${python_bin} NO_DEFAULT_PATH REQUIRED)
execute_process(COMMAND ${CLANG_FORMAT} --dry-run --Werror ${sources} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "C++ sources are not formatted: run .venv/bin/clang-format -i on them")
endif()
set(python_dirs ${SOURCE_DIR}/python_worker)
foreach(dir bench tests scripts)
    if(EXISTS ${SOURCE_DIR}/${dir})
        list(APPEND python_dirs ${SOURCE_DIR}/${dir})
    endif()
endforeach()
execute_process(COMMAND ${PYTHON} -m ruff check ${python_dirs} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ruff check found problems in the Python code")
endif()
execute_process(COMMAND ${PYTHON} -m ruff format --check ${python_dirs} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "Python code is not formatted: run ruff format")
endif()
# The worker package's types: mypy --strict, as python_worker/pyproject.toml configures it.
if(NOT MYPY_CACHE)
    set(MYPY_CACHE ${SOURCE_DIR}/build/mypy_cache)
endif()
execute_process(COMMAND ${PYTHON} -m mypy --cache-dir ${MYPY_CACHE} qtkeras_worker
                WORKING_DIRECTORY ${SOURCE_DIR}/python_worker RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
    message(FATAL_ERROR "mypy found type errors in python_worker/qtkeras_worker")
endif()
# Every source file (C++, Python, CMake, shell) names its license in its first lines.
set(licensed_dirs bridge inspectors app tests bench examples python_worker scripts cmake packaging)
set(licensed ${SOURCE_DIR}/CMakeLists.txt ${SOURCE_DIR}/.ci/run
             ${SOURCE_DIR}/packaging/qtkeras-setup-python ${SOURCE_DIR}/packaging/prerm.in)
foreach(dir ${licensed_dirs})
    file(GLOB_RECURSE found ${SOURCE_DIR}/${dir}/*.cpp ${SOURCE_DIR}/${dir}/*.h
         ${SOURCE_DIR}/${dir}/*.py ${SOURCE_DIR}/${dir}/*.cmake ${SOURCE_DIR}/${dir}/*.sh
         ${SOURCE_DIR}/${dir}/CMakeLists.txt)
    list(APPEND licensed ${found})
endforeach()
list(FILTER licensed EXCLUDE REGEX "/(build|\\.venv|__pycache__)/")
set(unlicensed)
foreach(path ${licensed})
    file(STRINGS ${path} head LIMIT_COUNT 3)
    if(NOT head MATCHES "SPDX-License-Identifier: GPL-3.0-or-later")
        file(RELATIVE_PATH relative ${SOURCE_DIR} ${path})
        list(APPEND unlicensed ${relative})
    endif()
endforeach()
if(unlicensed)
    list(JOIN unlicensed "\n  " shown)
    message(FATAL_ERROR "files without 'SPDX-License-Identifier: GPL-3.0-or-later' in their "
                        "first three lines:\n  ${shown}")
endif()
message(STATUS "formatting and lint are clean")

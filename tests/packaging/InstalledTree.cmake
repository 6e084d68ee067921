# SPDX-License-Identifier: GPL-3.0-or-later
# Installs the build into PREFIX and runs the installed program's iris demo, without root,
# dpkg or network:
#   1. with QTKERAS_PYTHON set to the build's interpreter;
#   2. with the environment qtkeras-setup-python makes, in a private XDG_DATA_HOME (a venv
#      that borrows the build venv's packages instead of downloading them);
#   3. with no environment at all, where the failure must tell the user to run
#      qtkeras-setup-python.
# In every run the worker must come from PREFIX/share/qtkeras/python_worker.
cmake_minimum_required(VERSION 3.25)

function(fail)
    list(JOIN ARGN "" text)
    message(FATAL_ERROR "${text}")
endfunction()

file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX}
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
    fail("cmake --install failed (exit ${rc}):\n${out}")
endif()

set(worker_dir ${PREFIX}/share/qtkeras/python_worker)
foreach(file bin/qtkeras bin/qtkeras-setup-python
             share/qtkeras/python_worker/qtkeras_worker/__main__.py
             share/qtkeras/python_worker/requirements.txt
             share/applications/io.github.qtkeras.QtKeras.desktop
             share/metainfo/io.github.qtkeras.QtKeras.metainfo.xml
             share/icons/hicolor/scalable/apps/io.github.qtkeras.QtKeras.svg
             share/icons/hicolor/256x256/apps/io.github.qtkeras.QtKeras.png
             share/doc/qtkeras/README.md
             share/doc/qtkeras/copyright)
    if(NOT EXISTS ${PREFIX}/${file})
        fail("the installed tree lacks ${file}")
    endif()
endforeach()
file(GLOB_RECURSE extra RELATIVE ${worker_dir} ${worker_dir}/*)
list(FILTER extra EXCLUDE REGEX
     "^(requirements(-tensorflow|-torch)?\\.txt|qtkeras_worker/[a-z_]+\\.py)$")
if(extra)
    fail("share/qtkeras/python_worker holds more than the worker package: ${extra}")
endif()

# Runs the installed demo with the environment variables given; sets <out>_rc, <out>_json
# (its last stdout line) and <out>_err.
function(run_demo out)
    execute_process(
        COMMAND ${CMAKE_COMMAND} -E env --unset=QTKERAS_PYTHON --unset=PYTHONPATH
                --unset=PYTHONHOME --unset=VIRTUAL_ENV KERAS_BACKEND=jax ${ARGN}
                ${PREFIX}/bin/qtkeras --demo iris --headless --json
        WORKING_DIRECTORY ${PREFIX}
        RESULT_VARIABLE rc OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr TIMEOUT 400)
    string(STRIP "${stdout}" stdout)
    string(REGEX REPLACE ".*\n" "" last "${stdout}")
    set(${out}_rc "${rc}" PARENT_SCOPE)
    set(${out}_json "${last}" PARENT_SCOPE)
    set(${out}_err "${stderr}" PARENT_SCOPE)
endfunction()

# The demo succeeded with the iris accuracy, on JAX, with the installed worker and the
# interpreter expected.
function(check_demo run interpreter)
    if(NOT ${run}_rc EQUAL 0)
        fail("the installed demo (${run}) failed (exit ${${run}_rc}):\n${${run}_err}")
    endif()
    set(json "${${run}_json}")
    string(JSON accuracy ERROR_VARIABLE error GET "${json}" test_accuracy)
    if(error)
        fail("the installed demo (${run}) did not end with its JSON line: ${json}\n${${run}_err}")
    endif()
    string(JSON backend GET "${json}" backend)
    string(JSON worker GET "${json}" worker)
    string(JSON used GET "${json}" interpreter)
    if(accuracy LESS 0.9)
        fail("the installed demo (${run}) reached a test accuracy of ${accuracy} only: ${json}")
    endif()
    if(NOT backend STREQUAL "jax")
        fail("the installed demo (${run}) ran on '${backend}', not jax: ${json}")
    endif()
    file(REAL_PATH ${worker_dir}/qtkeras_worker expected_worker)
    file(REAL_PATH "${worker}" worker)
    if(NOT worker STREQUAL expected_worker)
        fail("the installed demo (${run}) ran the worker in ${worker}, not the installed "
             "${expected_worker}")
    endif()
    if(NOT used STREQUAL interpreter)
        fail("the installed demo (${run}) ran on ${used}, not ${interpreter}")
    endif()
    message(STATUS "${run}: ${json}")
endfunction()

# 1. QTKERAS_PYTHON names the interpreter.
run_demo(explicit QTKERAS_PYTHON=${PYTHON})
check_demo(explicit ${PYTHON})

# 2. The user's environment in $XDG_DATA_HOME/qtkeras/venv, as qtkeras-setup-python makes it.
set(data ${PREFIX}/user-data)
set(venv ${data}/qtkeras/venv)
execute_process(COMMAND ${PYTHON} -m venv --without-pip ${venv} RESULT_VARIABLE rc
                ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
    fail("cannot create a virtual environment: ${out}")
endif()
execute_process(COMMAND ${PYTHON} -c "import sysconfig; print(sysconfig.get_path('purelib'))"
                OUTPUT_VARIABLE build_site OUTPUT_STRIP_TRAILING_WHITESPACE)
execute_process(COMMAND ${venv}/bin/python -c "import sysconfig; print(sysconfig.get_path('purelib'))"
                OUTPUT_VARIABLE venv_site OUTPUT_STRIP_TRAILING_WHITESPACE)
file(WRITE ${venv_site}/build-venv.pth "import site; site.addsitedir('${build_site}')\n")
run_demo(user XDG_DATA_HOME=${data})
check_demo(user ${venv}/bin/python)

# 3. No environment: the python3 on PATH (here one without any packages) cannot run Keras,
#    and the user is told to run qtkeras-setup-python.
set(bare ${PREFIX}/bare-python)
execute_process(COMMAND ${PYTHON} -m venv --without-pip ${bare} RESULT_VARIABLE rc)
run_demo(none XDG_DATA_HOME=${PREFIX}/empty-data "PATH=${bare}/bin:$ENV{PATH}")
if(none_rc EQUAL 0)
    fail("the installed demo ran without any Python environment: ${none_json}")
endif()
string(FIND "${none_err}" "qtkeras-setup-python" at)
if(at EQUAL -1)
    fail("without a Python environment the installed demo does not point at "
         "qtkeras-setup-python:\n${none_err}")
endif()
message(STATUS "none: ${none_err}")

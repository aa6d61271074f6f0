# gradlab_core_library(NAME SOURCES ... DEPS ...)
#
# Every core/ folder is built twice: gradlab_<NAME>_f32 (Scalar = float, for running) and
# gradlab_<NAME>_f64 (Scalar = double, for gradient checks). The two live in different
# inline namespaces (gradlab::f32, gradlab::f64), so one program may link both.
# DEPS name the folders below this one; linking only to them keeps the layers pointing down.
function(gradlab_core_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;EXTERNAL" ${ARGN})
  if(NOT ARG_SOURCES)
    message(STATUS "gradlab: core/${name} has no sources yet; skipping it")
    return()
  endif()
  foreach(flavour f32 f64)
    set(target gradlab_${name}_${flavour})
    add_library(${target} STATIC ${ARG_SOURCES})
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/core)
    if(flavour STREQUAL "f64")
      target_compile_definitions(${target} PUBLIC GRADLAB_DOUBLE=1)
    endif()
    foreach(dep ${ARG_DEPS})
      target_link_libraries(${target} PUBLIC gradlab_${dep}_${flavour})
    endforeach()
    if(ARG_EXTERNAL)
      target_link_libraries(${target} PUBLIC ${ARG_EXTERNAL})
    endif()
  endforeach()
endfunction()

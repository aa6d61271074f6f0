# The WebAssembly build: every Emscripten-specific setting lives here, included from the
# one `if(EMSCRIPTEN)` block of the top-level CMakeLists.txt (the native build never reads
# it). Configure with the `wasm` / `wasm-scalar` presets (docs/wasm.md).
#
# What it does, in order:
#   - options: GRADLAB_WASM_SIMD (-msimd128 or the scalar flavour), GRADLAB_WASM_RELAXED_SIMD
#     (the relaxed flavour next to the simd one), the memory ceiling;
#   - turns off what is native only (the CLI) and warns about Eigen kernels;
#   - compile/link flags for every target: exceptions on (this emscripten defaults to
#     -fignore-exceptions, where a throw aborts the instance), no eval, growable memory;
#   - size: -Oz for every core file but the hot ones (GRADLAB_WASM_SPEED_SOURCES keep -O3),
#     -flto, link at -O2 (the browser module's budget is 400 KiB gzipped, docs/wasm.md);
#   - finds Eigen and nlohmann_json without putting /usr/include on the include path, and
#     builds GoogleTest from /usr/src/googletest;
#   - adds bindings/wasm; at the end of the top-level file, makes the test programs
#     node programs that see the real file system (NODERAWFS), run by ctest through
#     CMAKE_CROSSCOMPILING_EMULATOR.

option(GRADLAB_WASM_SIMD "Compile everything with -msimd128 (OFF: the scalar flavour, for browsers without wasm SIMD)" ON)
# With SIMD, also link the relaxed flavour (gradlab-relaxed*: the GEMM's multiply-adds fused
# through relaxed SIMD, bindings/wasm/CMakeLists.txt); the worker prefers it where supported.
option(GRADLAB_WASM_RELAXED_SIMD "wasm: also build the relaxed-SIMD flavour of the modules (fused multiply-add in the GEMM)" ON)
# How C++ exceptions work in wasm. "wasm" (-fwasm-exceptions, default): the wasm
# exception-handling proposal: smaller (no JS invoke_* trampoline around every call that
# may throw) and faster; needs Chrome 95, Firefox 100, Safari 15.2 or node 17. "js"
# (-fexceptions): emscripten's JS-based scheme, for older engines. Either way errors reach
# JS as Error objects (session_bindings.cpp catches at the boundary).
set(GRADLAB_WASM_EXCEPTIONS "wasm" CACHE STRING "C++ exceptions in wasm: wasm (-fwasm-exceptions) or js (-fexceptions)")
set_property(CACHE GRADLAB_WASM_EXCEPTIONS PROPERTY STRINGS wasm js)
if(GRADLAB_WASM_EXCEPTIONS STREQUAL "js")
  set(_gradlab_wasm_eh -fexceptions)
elseif(GRADLAB_WASM_EXCEPTIONS STREQUAL "wasm")
  set(_gradlab_wasm_eh -fwasm-exceptions)
else()
  message(FATAL_ERROR "GRADLAB_WASM_EXCEPTIONS must be js or wasm, got '${GRADLAB_WASM_EXCEPTIONS}'")
endif()
# Size vs speed per source file. The hot code (core/kernels: GEMM, fused cells, reductions;
# the fused recurrent loops; tensor allocation; the autograd engine; the optimizers' updates)
# keeps CMake's Release -O3. Every other core source file, and the bindings, is compiled
# with GRADLAB_WASM_SIZE_OPT (appended after -O3, so it wins): JSON, specs, datasets,
# inspection and the session are cold, and -Oz halves them (docs/wasm.md, "Sizes").
# GRADLAB_WASM_SPEED_SOURCES: globs relative to core/ (`*` also crosses folders) for the
# files that keep -O3.
# An empty GRADLAB_WASM_SIZE_OPT keeps -O3 everywhere.
set(GRADLAB_WASM_SIZE_OPT "-Oz" CACHE STRING "wasm: optimisation flag for core sources not in GRADLAB_WASM_SPEED_SOURCES (empty: -O3 everywhere)")
set(GRADLAB_WASM_SPEED_SOURCES "kernels/*;tensor/*;autograd/var.cpp;optim/optimizers.cpp;optim/clip.cpp;nn/recurrent_fused.cpp;ops/broadcast.cpp"
    CACHE STRING "wasm: core/ source globs (relative to core/) compiled at -O3; the rest get GRADLAB_WASM_SIZE_OPT")
# Whole-program optimisation: every object is LLVM bitcode and wasm-ld optimises across
# libraries (drops what no entry point reaches, merges duplicate template code). ~5% of
# the gzipped module; links take ~1.6x as long.
option(GRADLAB_WASM_LTO "wasm: compile and link with -flto" ON)
# emcc's level when linking Release programs: binaryen's passes, the libc variant, the JS
# minifier (with LTO also the link-time code generation). -O2: the smallest gzipped
# module that is not slower. -Oz links emscripten's size-optimised libc, whose byte-loop
# memset/memcpy cost 20-30% of a training step; -O3 comes out ~10 KB bigger gzipped.
set(GRADLAB_WASM_LINK_OPT "-O2" CACHE STRING "wasm: emcc optimisation level when linking Release programs")
# Growable memory up to this ceiling (bytes). 1 GiB holds the playground's models many
# times over; a runaway allocation fails with a C++ std::bad_alloc (a JS Error at the
# binding boundary) instead of taking the tab's address space. wasm32 allows up to 4 GiB.
# Without RTTI (-fno-rtti): no typeinfo objects and names for every polymorphic class, no
# RTTI slot in their vtables, no __dynamic_cast (core/ asks Module::as_recurrent() and the
# like instead). Exceptions still match by type: clang emits typeinfo for every type thrown or
# caught. Linking with -fno-rtti picks embind's no-RTTI library, whose type ids are not
# typeinfo: EMSCRIPTEN_HAS_UNBOUND_TYPE_NAMES=0 makes the bindings use the same ids.
option(GRADLAB_WASM_RTTI "wasm: compile with RTTI (OFF: -fno-rtti, a smaller module)" OFF)
# A wasm-opt -Oz pass over the linked modules (bindings/wasm/CMakeLists.txt).
option(GRADLAB_WASM_POST_OPT "Run wasm-opt -Oz over the linked modules (smaller download, same speed)" ON)
set(GRADLAB_WASM_MAXIMUM_MEMORY "1073741824" CACHE STRING "wasm -sMAXIMUM_MEMORY in bytes (default 1 GiB)")
set(GRADLAB_WASM_INITIAL_MEMORY "33554432" CACHE STRING "wasm -sINITIAL_MEMORY in bytes (default 32 MiB)")
# The allocator (-sMALLOC). emmalloc: the browser module 2.3 KB smaller gzipped than with
# dlmalloc (emscripten's default), and no step slower: MLP 12% and GAN 5% faster, LSTM, GRU,
# Transformer and diffusion the same within 1-4% (the two allocators' modules alternated in
# one node process and in one Chromium page, 2026-12-07; docs/wasm.md).
set(GRADLAB_WASM_MALLOC "emmalloc" CACHE STRING "wasm -sMALLOC: emmalloc (default, smaller) or dlmalloc")
set_property(CACHE GRADLAB_WASM_MALLOC PROPERTY STRINGS emmalloc dlmalloc)
if(NOT GRADLAB_WASM_MALLOC MATCHES "^(emmalloc|dlmalloc)$")
  message(FATAL_ERROR "GRADLAB_WASM_MALLOC must be emmalloc or dlmalloc, got '${GRADLAB_WASM_MALLOC}'")
endif()

if(GRADLAB_WASM_SIMD)
  set(GRADLAB_WASM_FLAVOUR simd)
else()
  set(GRADLAB_WASM_FLAVOUR scalar)
endif()
if(GRADLAB_WASM_SIMD AND GRADLAB_WASM_RELAXED_SIMD)
  set(_gradlab_flavour_note " (and relaxed)")
endif()
message(STATUS "gradlab wasm: ${GRADLAB_WASM_FLAVOUR}${_gradlab_flavour_note} flavour, ${GRADLAB_WASM_EXCEPTIONS} exceptions, LTO ${GRADLAB_WASM_LTO}, link ${GRADLAB_WASM_LINK_OPT}, memory ${GRADLAB_WASM_INITIAL_MEMORY} growing to ${GRADLAB_WASM_MAXIMUM_MEMORY} bytes, ${GRADLAB_WASM_MALLOC}")

# The CLI is a native tool (files, a terminal); the wasm build has the bindings instead.
if(GRADLAB_BUILD_CLI)
  message(STATUS "gradlab wasm: GRADLAB_BUILD_CLI is native only; not building the CLI")
  set(GRADLAB_BUILD_CLI OFF)
endif()
if(GRADLAB_NATIVE_KERNELS)
  message(WARNING "gradlab wasm: GRADLAB_NATIVE_KERNELS=ON selects the Eigen kernels wherever the simd128 ones "
                  "do not apply (the scalar flavour, double precision); Eigen 3.4 has no wasm SIMD path, so "
                  "they run as plain scalar code. The wasm presets set it OFF.")
endif()

# emcc's JS optimizer (acorn-optimizer.js, run when linking) needs Debian's acorn.
# Set per link command, so a plain `ninja -C build/wasm` works too.
if(EXISTS /usr/share/nodejs/acorn)
  set(CMAKE_CXX_LINKER_LAUNCHER ${CMAKE_COMMAND} -E env NODE_PATH=/usr/share/nodejs)
endif()

# Flags for every target (core libraries, tests, bindings). No -ffast-math anywhere:
# gradients are checked against finite differences and parity with native is by value.
add_compile_options(${_gradlab_wasm_eh})
if(GRADLAB_WASM_LTO)
  add_compile_options(-flto)
  add_link_options(-flto)
endif()
# What core/ uses and this emscripten's libc++ 13 lacks (floating-point std::to_chars).
add_compile_options("SHELL:-include ${PROJECT_SOURCE_DIR}/cmake/wasm/libcxx_compat.h")
if(GRADLAB_WASM_SIMD)
  add_compile_options(-msimd128)
  add_link_options(-msimd128)
endif()
if(NOT GRADLAB_WASM_RTTI)
  add_compile_options(-fno-rtti)
  add_compile_definitions(EMSCRIPTEN_HAS_UNBOUND_TYPE_NAMES=0)
  add_link_options(-fno-rtti)
endif()
add_link_options(
  ${_gradlab_wasm_eh}
  -sDYNAMIC_EXECUTION=0
  -sALLOW_MEMORY_GROWTH=1
  -sINITIAL_MEMORY=${GRADLAB_WASM_INITIAL_MEMORY}
  -sMAXIMUM_MEMORY=${GRADLAB_WASM_MAXIMUM_MEMORY}
  -sMALLOC=${GRADLAB_WASM_MALLOC}
  # Compile flags are CMake's per configuration (Release: -O3, see GRADLAB_WASM_SIZE_OPT);
  # emcc also needs a level when linking (GRADLAB_WASM_LINK_OPT, above).
  $<$<CONFIG:Release>:${GRADLAB_WASM_LINK_OPT}>
  $<$<CONFIG:RelWithDebInfo>:-O2>)

# Eigen (header only, no wasm SIMD path: scalar code on the cold paths that use it). The
# toolchain re-roots find_package into the emscripten sysroot; /usr/include/eigen3 holds
# only Eigen, so it is safe on a wasm include path. The top-level find_package then finds
# the same package again.
find_package(Eigen3 3.4 REQUIRED NO_MODULE PATHS /usr/share/eigen3/cmake NO_CMAKE_FIND_ROOT_PATH)

# nlohmann_json: Debian's package, but its headers copied into the build tree, because its
# include directory is /usr/include, whose libc headers must never shadow emscripten's.
find_package(nlohmann_json 3.11 REQUIRED NO_MODULE PATHS /usr/share/cmake/nlohmann_json NO_CMAKE_FIND_ROOT_PATH)
set(_gradlab_json_include ${CMAKE_BINARY_DIR}/wasm-deps/include)
find_file(GRADLAB_NLOHMANN_JSON_HPP nlohmann/json.hpp PATHS /usr/include NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH REQUIRED)
get_filename_component(_gradlab_json_dir ${GRADLAB_NLOHMANN_JSON_HPP} DIRECTORY)
file(COPY ${_gradlab_json_dir} DESTINATION ${_gradlab_json_include})
set_target_properties(nlohmann_json::nlohmann_json PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${_gradlab_json_include})

# GoogleTest for wasm, from Debian's sources; a stub GTestConfig.cmake lets tests/'s
# find_package(GTest) find these targets.
if(GRADLAB_BUILD_TESTS)
  set(BUILD_GMOCK OFF)
  set(INSTALL_GTEST OFF)
  set(gtest_disable_pthreads ON)
  add_subdirectory(/usr/src/googletest ${CMAKE_BINARY_DIR}/wasm-deps/googletest EXCLUDE_FROM_ALL SYSTEM)
  file(WRITE ${CMAKE_BINARY_DIR}/wasm-deps/gtest-config/GTestConfig.cmake
       "# GoogleTest is built from /usr/src/googletest by cmake/gradlab_wasm.cmake; GTest::gtest and\n"
       "# GTest::gtest_main already exist.\n")
  set(GTest_DIR ${CMAKE_BINARY_DIR}/wasm-deps/gtest-config CACHE PATH "GoogleTest for wasm (generated)" FORCE)
endif()

# Gives a linked relaxed-flavour program (a module, or a test program that links the relaxed
# GEMM) relaxed SIMD's final opcodes: LLVM 14 emits the proposal's early ones, which no engine
# accepts (cmake/wasm/relaxed_simd.py; docs/wasm.md, "Relaxed SIMD"). Call it after every
# other POST_BUILD step of the target.
function(gradlab_wasm_final_relaxed_opcodes target)
  find_package(Python3 REQUIRED COMPONENTS Interpreter)  # emcc itself runs on it
  set(script ${PROJECT_SOURCE_DIR}/cmake/wasm/relaxed_simd.py)
  set(wasm $<TARGET_FILE_DIR:${target}>/$<TARGET_FILE_BASE_NAME:${target}>.wasm)
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND Python3::Interpreter ${script} ${wasm} ${wasm}
    COMMENT "relaxed_simd.py $<TARGET_FILE_BASE_NAME:${target}>.wasm: final relaxed-SIMD opcodes"
    VERBATIM)
  set_property(TARGET ${target} APPEND PROPERTY LINK_DEPENDS ${script})
endfunction()

# The embind modules. They link gradlab_session_f32, which core/ defines later; CMake
# resolves target names when it generates, so the order does not matter.
add_subdirectory(${PROJECT_SOURCE_DIR}/bindings/wasm ${CMAKE_BINARY_DIR}/bindings/wasm)

# Run after the whole top-level file, when tests/ exists.
function(_gradlab_wasm_finish)
  # Size-optimise every core source file except the speed-critical ones (float and double
  # libraries share the files, so both get the same flags).
  if(GRADLAB_WASM_SIZE_OPT)
    set(speed_regex)
    foreach(glob ${GRADLAB_WASM_SPEED_SOURCES})
      string(REGEX REPLACE "([.+])" "\\\\\\1" re "${glob}")
      string(REPLACE "*" ".*" re "${re}")
      list(APPEND speed_regex "^${PROJECT_SOURCE_DIR}/core/${re}$")
    endforeach()
    list(JOIN speed_regex "|" speed_regex)
    get_property(core_dirs DIRECTORY ${PROJECT_SOURCE_DIR}/core PROPERTY SUBDIRECTORIES)
    foreach(dir ${core_dirs})
      get_filename_component(lib ${dir} NAME)
      if(NOT TARGET gradlab_${lib}_f32)
        continue()
      endif()
      get_target_property(sources gradlab_${lib}_f32 SOURCES)
      foreach(src ${sources})
        get_filename_component(src ${src} ABSOLUTE BASE_DIR ${dir})
        if(speed_regex AND src MATCHES "${speed_regex}")
          continue()
        endif()
        set_property(SOURCE ${src} DIRECTORY ${dir} APPEND PROPERTY COMPILE_OPTIONS $<$<CONFIG:Release>:${GRADLAB_WASM_SIZE_OPT}>)
        list(APPEND _gradlab_wasm_small_sources ${src})
      endforeach()
    endforeach()
    target_compile_options(gradlab_wasm_bindings PRIVATE $<$<CONFIG:Release>:${GRADLAB_WASM_SIZE_OPT}>)
    list(LENGTH _gradlab_wasm_small_sources n)
    message(STATUS "gradlab wasm: ${n} core sources at ${GRADLAB_WASM_SIZE_OPT}, the rest (${GRADLAB_WASM_SPEED_SOURCES}) at -O3")
  endif()
  # Test programs are node programs: NODERAWFS lets them read GRADLAB_SOURCE_DIR (examples,
  # golden files) from the real file system; EXIT_RUNTIME flushes output and returns
  # main's exit code to ctest; node_pre.js lets them run under a plain `node` too.
  if(GRADLAB_BUILD_TESTS)
    _gradlab_wasm_test_targets(${PROJECT_SOURCE_DIR}/tests tests)
    foreach(t ${tests})
      target_link_options(${t} PRIVATE -sENVIRONMENT=node -sNODERAWFS=1 -sEXIT_RUNTIME=1
                          "SHELL:--pre-js ${PROJECT_SOURCE_DIR}/cmake/wasm/node_pre.js")
    endforeach()
  endif()
endfunction()

function(_gradlab_wasm_test_targets dir out)
  set(found)
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t ${targets})
    get_target_property(type ${t} TYPE)
    if(type STREQUAL "EXECUTABLE")
      list(APPEND found ${t})
    endif()
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(sub ${subdirs})
    _gradlab_wasm_test_targets(${sub} sub_found)
    list(APPEND found ${sub_found})
  endforeach()
  set(${out} ${found} PARENT_SCOPE)
endfunction()

cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL _gradlab_wasm_finish)

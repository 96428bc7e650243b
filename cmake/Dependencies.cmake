# Third-party dependencies: Debian 12 packages (see scripts/bootstrap) plus
# ONNX Runtime, found in this order:
#   1. -DONNXRUNTIME_ROOT=DIR or $ONNXRUNTIME_ROOT: an official release folder
#      (DIR/include/onnxruntime_cxx_api.h, DIR/lib/libonnxruntime.so);
#   2. the folder scripts/bootstrap assembles in the user cache;
#   3. a system libonnxruntime-dev (CMake config or /usr/include/onnxruntime).
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
find_package(Protobuf REQUIRED)
# gRPC (libgrpc++-dev, protobuf-compiler-grpc): `sweetspot serve --grpc-port` and
# `sweetspot load grpc://`; its targets reach src/grpc only.
find_package(gRPC CONFIG REQUIRED)
find_package(ONNX REQUIRED)
# videoio: the keypoint task reads video files (src/keypoints, video_source.h).
find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs dnn videoio)
# libtorch (libtorch-dev) trains the model families of `sweetspot train`; its
# targets and flags are used by src/train only.
find_package(Torch REQUIRED)
# Detection datasets (src/detect): Pascal VOC XML (libtinyxml2-dev) and YOLO
# data.yaml (libyaml-cpp-dev).
find_package(tinyxml2 REQUIRED)
find_package(yaml-cpp REQUIRED)
# cpp-httplib (libcpp-httplib-dev): the HTTP front end of `sweetspot serve` and
# the REST client of `sweetspot load`. Debian builds it as a shared library
# whose header must see the build's feature macros (CPPHTTPLIB_OPENSSL_SUPPORT,
# ...: class layouts depend on them), which only pkg-config's Cflags carry.
find_package(PkgConfig REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET GLOBAL cpp-httplib)

if(NOT ONNXRUNTIME_ROOT AND DEFINED ENV{ONNXRUNTIME_ROOT})
  set(ONNXRUNTIME_ROOT "$ENV{ONNXRUNTIME_ROOT}")
endif()
if(NOT ONNXRUNTIME_ROOT)
  if(DEFINED ENV{SWEETSPOT_CACHE_DIR})
    set(_cache "$ENV{SWEETSPOT_CACHE_DIR}")
  elseif(DEFINED ENV{XDG_CACHE_HOME})
    set(_cache "$ENV{XDG_CACHE_HOME}/sweetspot")
  else()
    set(_cache "$ENV{HOME}/.cache/sweetspot")
  endif()
  if(EXISTS "${_cache}/onnxruntime-1.21.0/include/onnxruntime_cxx_api.h")
    set(ONNXRUNTIME_ROOT "${_cache}/onnxruntime-1.21.0")
  endif()
endif()

if(ONNXRUNTIME_ROOT)
  find_path(ORT_INCLUDE_DIR onnxruntime_cxx_api.h
    PATHS "${ONNXRUNTIME_ROOT}/include" "${ONNXRUNTIME_ROOT}/include/onnxruntime" NO_DEFAULT_PATH)
  find_library(ORT_LIBRARY onnxruntime PATHS "${ONNXRUNTIME_ROOT}/lib" NO_DEFAULT_PATH)
  if(NOT ORT_INCLUDE_DIR OR NOT ORT_LIBRARY)
    message(FATAL_ERROR "ONNXRUNTIME_ROOT=${ONNXRUNTIME_ROOT} has no include/onnxruntime_cxx_api.h "
                        "and lib/libonnxruntime.so; run scripts/bootstrap or point it at an official release")
  endif()
  add_library(onnxruntime::onnxruntime SHARED IMPORTED)
  set_target_properties(onnxruntime::onnxruntime PROPERTIES
    IMPORTED_LOCATION "${ORT_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${ORT_INCLUDE_DIR}")
  get_filename_component(_ort_libdir "${ORT_LIBRARY}" DIRECTORY)
  list(APPEND CMAKE_BUILD_RPATH "${_ort_libdir}")
  list(APPEND CMAKE_INSTALL_RPATH "${_ort_libdir}")
else()
  find_package(onnxruntime CONFIG QUIET)
  set(SWEETSPOT_ONNXRUNTIME_FROM_CONFIG "${onnxruntime_FOUND}")
  if(NOT TARGET onnxruntime::onnxruntime)
    find_path(ORT_INCLUDE_DIR onnxruntime_cxx_api.h PATH_SUFFIXES onnxruntime)
    find_library(ORT_LIBRARY onnxruntime)
    if(NOT ORT_INCLUDE_DIR OR NOT ORT_LIBRARY)
      message(FATAL_ERROR "ONNX Runtime not found: run scripts/bootstrap, set ONNXRUNTIME_ROOT, "
                          "or install libonnxruntime-dev")
    endif()
    add_library(onnxruntime::onnxruntime SHARED IMPORTED)
    set_target_properties(onnxruntime::onnxruntime PROPERTIES
      IMPORTED_LOCATION "${ORT_LIBRARY}" INTERFACE_INCLUDE_DIRECTORIES "${ORT_INCLUDE_DIR}")
  endif()
endif()
# Every user of the C++ API points it at a library itself (Ort::InitApi): the
# backends module may pick another ONNX Runtime version at run time
# (src/backends/onnxruntime/ort_library.h), and all translation units must see
# the same definition of the API's global.
set_property(TARGET onnxruntime::onnxruntime APPEND PROPERTY INTERFACE_COMPILE_DEFINITIONS ORT_API_MANUAL_INIT)
message(STATUS "ONNX Runtime: ${ONNXRUNTIME_ROOT}${ORT_LIBRARY}")

if(SWEETSPOT_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(SWEETSPOT_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()

# The library's layers (docs/ARCHITECTURE.md), each an OBJECT library that
# sees only its own folder, the folders of the layers below it, and the
# public headers of those layers: a wrong include does not compile.
#
# medsettle_layer(NAME
#   SOURCES src/<name>/a.cpp ...
#   HEADERS money.hpp ...          # public headers of this layer (include/medsettle/)
#   BELOW core io ...              # the layers it may use (transitively closed here)
#   [PUBLIC_ONLY]                  # sees only the public headers of the layers below (capi, cli)
#   [PROGRAM])                     # not part of the library: only the include tree is made
#
# Each layer gets an include tree ${PROJECT_BINARY_DIR}/layers/<name>/ of
# symbolic links: <layer>/ -> src/<layer>/ for itself and the layers below,
# and medsettle/<header> -> include/medsettle/<header> for their public headers.

set(MEDSETTLE_LAYERS_DIR ${PROJECT_BINARY_DIR}/layers)

function(medsettle_layer name)
  cmake_parse_arguments(L "PUBLIC_ONLY;PROGRAM" "" "SOURCES;HEADERS;BELOW;LIBS" ${ARGN})
  set(below "")
  foreach(b IN LISTS L_BELOW)
    list(APPEND below ${b} ${MEDSETTLE_LAYER_${b}_BELOW})
  endforeach()
  list(REMOVE_DUPLICATES below)
  set(MEDSETTLE_LAYER_${name}_BELOW ${below} CACHE INTERNAL "layers below ${name}")
  set(MEDSETTLE_LAYER_${name}_HEADERS ${L_HEADERS} CACHE INTERNAL "public headers of ${name}")

  set(tree ${MEDSETTLE_LAYERS_DIR}/${name})
  file(REMOVE_RECURSE ${tree})
  file(MAKE_DIRECTORY ${tree}/medsettle)
  foreach(layer IN LISTS below ITEMS ${name})
    if(EXISTS ${PROJECT_SOURCE_DIR}/src/${layer} AND (layer STREQUAL name OR NOT L_PUBLIC_ONLY))
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/src/${layer} ${tree}/${layer} SYMBOLIC)
    endif()
    foreach(h IN LISTS MEDSETTLE_LAYER_${layer}_HEADERS)
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/include/medsettle/${h} ${tree}/medsettle/${h} SYMBOLIC)
    endforeach()
  endforeach()

  set(MEDSETTLE_LAYER_${name}_TREE ${tree} CACHE INTERNAL "include tree of ${name}")
  if(L_PROGRAM)
    return()
  endif()
  add_library(medsettle_${name}_objects OBJECT ${L_SOURCES})
  target_include_directories(medsettle_${name}_objects PRIVATE ${tree})
  target_compile_features(medsettle_${name}_objects PUBLIC cxx_std_20)
  target_compile_options(medsettle_${name}_objects PRIVATE ${MEDSETTLE_WARNINGS})
  target_link_libraries(medsettle_${name}_objects PRIVATE fmt::fmt Threads::Threads ${L_LIBS})
  set_target_properties(medsettle_${name}_objects PROPERTIES POSITION_INDEPENDENT_CODE ON
    CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  target_compile_definitions(medsettle_${name}_objects PRIVATE MEDSETTLE_BUILDING MEDSETTLE_VERSION="${PROJECT_VERSION}")
  set_property(GLOBAL APPEND PROPERTY MEDSETTLE_LAYER_TARGETS medsettle_${name}_objects)
endfunction()

# The HTML report's JavaScript comes from npm (package.json, package-lock.json):
# scripts/bootstrap runs `npm ci`, which fills node_modules at the repository
# root. Programs find that folder at run time: the environment variable
# SWEETSPOT_NODE_MODULES when set, else SWEETSPOT_SOURCE_DIR/node_modules.
#
# sweetspot_use_source_dir(TARGET) compiles TARGET's own sources with
# SWEETSPOT_SOURCE_DIR="<repository root>". It is a private definition of the
# targets that ask for it only: an absolute path on every compile line would
# differ between checkouts and defeat ccache for the whole build.
function(sweetspot_use_source_dir target)
  target_compile_definitions(${target} PRIVATE SWEETSPOT_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
endfunction()

# The same folder for tests registered at configure time; tests still let the
# environment variable override it when they run.
if(DEFINED ENV{SWEETSPOT_NODE_MODULES})
  set(SWEETSPOT_NODE_MODULES_DIR "$ENV{SWEETSPOT_NODE_MODULES}")
else()
  set(SWEETSPOT_NODE_MODULES_DIR "${PROJECT_SOURCE_DIR}/node_modules")
endif()

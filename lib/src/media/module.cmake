# The driving world's scenes, rendering and questions: plain arithmetic, no
# OpenCV, so every build has it (the GPU machine trains on it in memory).
xsd_module(world TORCH
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/driving_scene.cc ${CMAKE_CURRENT_LIST_DIR}/driving_render.cc
          ${CMAKE_CURRENT_LIST_DIR}/driving_questions.cc)

# Media loading and CLIP preprocessing (OpenCV). Optional: the GPU machine has
# no OpenCV for C++, so the module exists only when XSD_WITH_OPENCV is ON.
if(XSD_WITH_OPENCV)
  xsd_module(media TORCH
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/pil_resize.cc ${CMAKE_CURRENT_LIST_DIR}/clip_preprocess.cc
            ${CMAKE_CURRENT_LIST_DIR}/image_io.cc ${CMAKE_CURRENT_LIST_DIR}/frame_sampling.cc
            ${CMAKE_CURRENT_LIST_DIR}/video_frames.cc ${CMAKE_CURRENT_LIST_DIR}/event_image.cc
            ${CMAKE_CURRENT_LIST_DIR}/atomic_files.cc ${CMAKE_CURRENT_LIST_DIR}/synthetic_scene.cc
            ${CMAKE_CURRENT_LIST_DIR}/synthetic_dataset.cc ${CMAKE_CURRENT_LIST_DIR}/driving_world.cc
    DEPS ${OpenCV_LIBS}
    PRIVATE_DEPS nlohmann_json::nlohmann_json)
endif()

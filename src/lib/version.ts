/** The API versions kapseld speaks and the engine version it reports (Docker 28's API). */
export const API_VERSION = "1.50";
export const MIN_API_VERSION = "1.24";
export const ENGINE_VERSION = "28.2.0-kapsel";

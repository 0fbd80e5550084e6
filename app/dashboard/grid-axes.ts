/** The score pairs the dashboard grid can show (shared by the loader and the page). */
export const GRID_AXES = ["rf", "fm", "rm"] as const;
export type GridAxes = (typeof GRID_AXES)[number];

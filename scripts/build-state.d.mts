/** The build's stamp file, relative to the package root. */
export declare const STAMP: string;
/** True when `root`'s dist/node was built after every change to src/ (the web UI aside), or there is no src/ (an installed copy). */
export declare function buildIsCurrent(root: string): boolean;

/**
 * @apigw/console: the gateway console's built static assets. The runtime
 * serves the files of `assetsDir` at /console/ on the admin listener.
 */

/** Directory of the built assets (index.html, console.js, console.css). */
export declare const assetsDir: string;

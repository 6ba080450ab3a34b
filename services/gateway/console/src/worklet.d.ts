/** `import url from './x.worklet.ts?worklet'`: build.mjs bundles that module alone and gives its served URL. */
declare module '*?worklet' {
  const url: string;
  export default url;
}

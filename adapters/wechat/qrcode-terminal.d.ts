// qrcode-terminal ships no types: the one function the adapter uses.
declare module 'qrcode-terminal' {
  const qrcodeTerminal: {
    generate(input: string, options: { small?: boolean }, done: (drawn: string) => void): void;
  };
  export default qrcodeTerminal;
}

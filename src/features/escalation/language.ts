// Which of the detector's two languages a message is scored in: Chinese when it has any Han
// character (mixed messages such as "我要talk to真人" included), English otherwise.
export type Language = 'zh' | 'en';

const han = /\p{Script=Han}/u;

export function languageOf(text: string): Language {
  return han.test(text) ? 'zh' : 'en';
}

// Contributed Markdown, rendered inert: raw HTML is dropped and react-markdown's default URL
// filter removes javascript: and other unsafe links.
import Markdown from 'react-markdown';

export function MarkdownText({ children }: { children: string }) {
  return (
    <div className="markdown">
      <Markdown skipHtml>{children}</Markdown>
    </div>
  );
}

// Write a new article (/editor) or edit one of yours (/editor/:slug). The body is Markdown;
// the article page renders it.
import { type FormEvent, type KeyboardEvent, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import type { Article, ArticleDraft, FieldErrors } from '../api/types.ts';
import {
  FormProblems,
  TextAreaField,
  TextField,
  useFocusFirstProblem,
} from '../components/form-field.tsx';
import { ErrorNotice, Loading } from '../components/status.tsx';
import { usePageTitle } from '../hooks/use-page-title.ts';
import { asApiError, useRequest } from '../hooks/use-request.ts';
import { useSession } from '../session/session.tsx';

const FIELDS = ['title', 'description', 'body', 'tagList'] as const;
const EMPTY_DRAFT: ArticleDraft = { title: '', description: '', body: '', tagList: [] };

/** The tag list with whatever is typed in the tag input, split on commas. */
function withTyped(tags: string[], typed: string): string[] {
  const added = typed
    .split(',')
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '' && !tags.includes(tag));
  return [...tags, ...new Set(added)];
}

export function EditorPage({ slug }: { slug: string | null }) {
  usePageTitle(slug ? 'Edit article' : 'New article');
  if (slug === null) return <ArticleForm initial={EMPTY_DRAFT} slug={null} />;
  return <EditExisting slug={slug} />;
}

function EditExisting({ slug }: { slug: string }) {
  const { api, user } = useSession();
  const { state, retry } = useRequest(`article:${slug}`, (signal) => api.getArticle(slug, signal));
  if (state.status === 'loading') {
    return (
      <div className="container page">
        <Loading what="the article" />
      </div>
    );
  }
  if (state.status === 'failed') {
    return (
      <div className="container page">
        <h1 className="page__title">Edit article</h1>
        <ErrorNotice error={state.error} onRetry={retry} />
      </div>
    );
  }
  const article: Article = state.data;
  if (article.author.username !== user?.username) {
    return (
      <div className="container page">
        <h1 className="page__title">Edit article</h1>
        <div className="notice notice--error" role="alert">
          <p>Only its author can edit this article.</p>
          <Link to={`/article/${encodeURIComponent(slug)}`}>Back to the article</Link>
        </div>
      </div>
    );
  }
  const { title, description, body, tagList } = article;
  return <ArticleForm initial={{ title, description, body, tagList }} slug={slug} />;
}

function ArticleForm({ initial, slug }: { initial: ArticleDraft; slug: string | null }) {
  const { api } = useSession();
  const navigate = useNavigate();
  const form = useRef<HTMLFormElement>(null);
  const [draft, setDraft] = useState(initial);
  const [pendingTag, setPendingTag] = useState('');
  const [errors, setErrors] = useState<FieldErrors | null>(null);
  const [publishing, setPublishing] = useState(false);
  useFocusFirstProblem(form, errors);

  const change =
    (field: 'title' | 'description' | 'body') => (event: { target: { value: string } }) =>
      setDraft((current) => ({ ...current, [field]: event.target.value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const article = { ...draft, tagList: withTyped(draft.tagList, pendingTag) };
    setDraft(article);
    setPendingTag('');
    setPublishing(true);
    setErrors(null);
    try {
      const saved = slug
        ? await api.updateArticle(slug, article)
        : await api.createArticle(article);
      navigate(`/article/${encodeURIComponent(saved.slug)}`);
    } catch (error) {
      setErrors(asApiError(error, 'publish article').errors);
      setPublishing(false);
    }
  }

  return (
    <div className="container page page--wide">
      <h1 id="editor-title" className="page__title">
        {slug ? 'Edit article' : 'New article'}
      </h1>
      <form ref={form} className="form" onSubmit={submit} noValidate aria-labelledby="editor-title">
        <FormProblems errors={errors} fields={FIELDS} />
        <TextField
          name="title"
          label="Title"
          className="input--large"
          errors={errors}
          value={draft.title}
          onChange={change('title')}
          required
        />
        <TextField
          name="description"
          label="Description"
          hint="What is this article about, in a sentence?"
          errors={errors}
          value={draft.description}
          onChange={change('description')}
          required
        />
        <TextAreaField
          name="body"
          label="Article text"
          rows={12}
          errors={errors}
          value={draft.body}
          onChange={change('body')}
          hint="Markdown: # headings, **bold**, _italic_, [links](https://…), lists and code."
          required
        />
        <TagInput
          tags={draft.tagList}
          typed={pendingTag}
          onType={setPendingTag}
          onChange={(tagList) => setDraft((current) => ({ ...current, tagList }))}
          errors={errors}
        />
        <button type="submit" className="button button--large" disabled={publishing}>
          {slug ? 'Update article' : 'Publish article'}
        </button>
      </form>
    </div>
  );
}

/**
 * Tags are typed into one input; Enter or a comma turns the text into a tag, shown below with
 * a button to remove it. Whatever is still typed when the form is sent is added too.
 */
function TagInput({
  tags,
  typed,
  onType,
  onChange,
  errors,
}: {
  tags: string[];
  typed: string;
  onType: (typed: string) => void;
  onChange: (tags: string[]) => void;
  errors: FieldErrors | null;
}) {
  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key !== 'Enter' && event.key !== ',') return;
    // Enter would send the form, and a comma would end up inside the tag.
    event.preventDefault();
    onChange(withTyped(tags, typed));
    onType('');
  }
  return (
    <>
      <TextField
        name="tagList"
        label="Tags"
        hint="Press Enter or type a comma after each tag."
        errors={errors}
        value={typed}
        onChange={(event) => onType(event.target.value)}
        onKeyDown={onKeyDown}
      />
      {tags.length > 0 && (
        <ul className="tags" aria-label="Tags of this article">
          {tags.map((tag) => (
            <li key={tag}>
              <span className="tag tag--removable">
                {tag}
                <button
                  type="button"
                  className="tag__remove"
                  aria-label={`Remove tag ${tag}`}
                  onClick={() => onChange(tags.filter((other) => other !== tag))}
                >
                  <span aria-hidden="true">×</span>
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

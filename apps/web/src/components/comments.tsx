// The comments under an article: a form for signed-in readers, and the list, where each
// comment's author (and only they) can delete it.
import { type FormEvent, useCallback, useRef, useState } from 'react';
import { Link, useLocation } from 'react-router';
import type { Comment, FieldErrors } from '../api/types.ts';
import { useAction } from '../hooks/use-action.ts';
import { asApiError, useRequest } from '../hooks/use-request.ts';
import { signInState } from '../hooks/use-sign-in-first.ts';
import { useSession } from '../session/session.tsx';
import { formatDate } from './article-meta.tsx';
import { Avatar } from './avatar.tsx';
import { FormProblems, TextAreaField, useFocusFirstProblem } from './form-field.tsx';
import { ActionError, Empty, ErrorNotice, Loading } from './status.tsx';

export function Comments({ slug }: { slug: string }) {
  const { api, user } = useSession();
  const location = useLocation();
  const { state, retry, update } = useRequest(
    `comments:${slug}:${user?.username ?? ''}`,
    (signal) => api.getComments(slug, signal),
  );
  const added = useCallback(
    (comment: Comment) => update((comments) => [...comments, comment]),
    [update],
  );
  const removed = useCallback(
    (id: number) => update((comments) => comments.filter((comment) => comment.id !== id)),
    [update],
  );

  return (
    <section className="comments" aria-labelledby="comments-title">
      <h2 id="comments-title" className="comments__title">
        Comments
      </h2>
      {user ? (
        <CommentForm slug={slug} onAdded={added} />
      ) : (
        <p>
          <Link to="/login" state={signInState(location)}>
            Sign in
          </Link>{' '}
          or{' '}
          <Link to="/register" state={signInState(location)}>
            sign up
          </Link>{' '}
          to add comments on this article.
        </p>
      )}
      {state.status === 'loading' && <Loading what="comments" />}
      {state.status === 'failed' && <ErrorNotice error={state.error} onRetry={retry} />}
      {state.status === 'loaded' &&
        (state.data.length === 0 ? (
          <Empty>No comments yet.</Empty>
        ) : (
          <ol className="comment-list">
            {state.data.map((comment) => (
              <li key={comment.id}>
                <CommentCard
                  slug={slug}
                  comment={comment}
                  own={comment.author.username === user?.username}
                  onRemoved={removed}
                />
              </li>
            ))}
          </ol>
        ))}
    </section>
  );
}

function CommentForm({ slug, onAdded }: { slug: string; onAdded: (comment: Comment) => void }) {
  const { api } = useSession();
  const form = useRef<HTMLFormElement>(null);
  const [body, setBody] = useState('');
  const [errors, setErrors] = useState<FieldErrors | null>(null);
  const [posting, setPosting] = useState(false);
  useFocusFirstProblem(form, errors);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setPosting(true);
    setErrors(null);
    try {
      onAdded(await api.addComment(slug, body));
      setBody('');
    } catch (error) {
      setErrors(asApiError(error, 'add comment').errors);
    } finally {
      setPosting(false);
    }
  }

  return (
    <form
      ref={form}
      className="form comment-form"
      onSubmit={submit}
      noValidate
      aria-label="Add a comment"
    >
      <FormProblems errors={errors} fields={['body']} />
      <TextAreaField
        name="body"
        label="Write a comment"
        rows={3}
        errors={errors}
        value={body}
        onChange={(event) => setBody(event.target.value)}
        required
      />
      <button type="submit" className="button button--small" disabled={posting}>
        Post comment
      </button>
    </form>
  );
}

function CommentCard({
  slug,
  comment,
  own,
  onRemoved,
}: {
  slug: string;
  comment: Comment;
  own: boolean;
  onRemoved: (id: number) => void;
}) {
  const { api } = useSession();
  const remove = useCallback(async () => {
    await api.deleteComment(slug, comment.id);
    onRemoved(comment.id);
  }, [api, slug, comment.id, onRemoved]);
  const deletion = useAction(remove);
  const { author } = comment;
  return (
    <article className="comment" aria-label={`Comment by ${author.username}`}>
      <p className="comment__body">{comment.body}</p>
      <footer className="comment__footer">
        <Avatar username={author.username} image={author.image} />
        <Link to={`/profile/${encodeURIComponent(author.username)}`}>{author.username}</Link>
        <time dateTime={comment.createdAt}>{formatDate(comment.createdAt)}</time>
        {own && (
          <button
            type="button"
            className="button button--small button--outline-danger comment__delete"
            onClick={deletion.perform}
            disabled={deletion.pending}
          >
            Delete comment
          </button>
        )}
        <ActionError error={deletion.error} />
      </footer>
    </article>
  );
}

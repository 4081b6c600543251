"""Generated WXR documents for the import tests and bench/import_bench.py."""

from pathlib import Path

HEADER = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/"'
    ' xmlns:content="http://purl.org/rss/1.0/modules/content/"'
    ' xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"'
    ' xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
    "<channel><title>{title}</title><link>{site}</link>"
    "<wp:base_site_url>{site}</wp:base_site_url><wp:base_blog_url>{site}</wp:base_blog_url>"
    "<language>en-GB</language><wp:wxr_version>1.2</wp:wxr_version>\n"
    "<wp:author><wp:author_login><![CDATA[editor]]></wp:author_login>"
    "<wp:author_display_name><![CDATA[Ed Itor]]></wp:author_display_name></wp:author>\n"
    "<wp:category><wp:term_id>1</wp:term_id><wp:category_nicename>news</wp:category_nicename>"
    "<wp:category_parent></wp:category_parent><wp:cat_name><![CDATA[News]]></wp:cat_name>"
    "</wp:category>\n"
    "<wp:category><wp:term_id>2</wp:term_id><wp:category_nicename>world</wp:category_nicename>"
    "<wp:category_parent>news</wp:category_parent><wp:cat_name><![CDATA[World]]></wp:cat_name>"
    "</wp:category>\n"
    "<wp:tag><wp:term_id>3</wp:term_id><wp:tag_slug>politics</wp:tag_slug>"
    "<wp:tag_name><![CDATA[Politics]]></wp:tag_name></wp:tag>\n"
)
FOOTER = "</channel></rss>\n"

POST = (
    "<item><title>{title}</title><link>{site}/{n}/post-{n}/</link>"
    "<dc:creator><![CDATA[editor]]></dc:creator>"
    '<guid isPermaLink="false">{site}/?p={n}</guid>'
    "<content:encoded><![CDATA[{body}]]></content:encoded>"
    "<excerpt:encoded><![CDATA[{excerpt}]]></excerpt:encoded>"
    "<wp:post_id>{n}</wp:post_id><wp:post_date>2015-03-0{day} 10:00:00</wp:post_date>"
    "<wp:post_date_gmt>2015-03-0{day} 09:00:00</wp:post_date_gmt>"
    "<wp:post_name>post-{n}</wp:post_name><wp:status>{status}</wp:status>"
    "<wp:post_type>post</wp:post_type>"
    '<category domain="category" nicename="world"><![CDATA[World]]></category>'
    '<category domain="post_tag" nicename="politics"><![CDATA[Politics]]></category>'
    "{meta}</item>\n"
)
ATTACHMENT = (
    "<item><title>Photo {n}</title><link>{site}/photo-{n}/</link>"
    '<guid isPermaLink="false">{site}/wp-content/uploads/2015/03/photo-{n}.jpg</guid>'
    "<content:encoded><![CDATA[{description}]]></content:encoded>"
    "<excerpt:encoded><![CDATA[{caption}]]></excerpt:encoded>"
    "<wp:post_id>{n}</wp:post_id><wp:post_date>2015-03-01 10:00:00</wp:post_date>"
    "<wp:post_date_gmt>2015-03-01 09:00:00</wp:post_date_gmt>"
    "<wp:status>inherit</wp:status><wp:post_type>attachment</wp:post_type>"
    "<wp:attachment_url>{site}/wp-content/uploads/2015/03/photo-{n}.jpg</wp:attachment_url>"
    "<wp:postmeta><wp:meta_key>_wp_attached_file</wp:meta_key>"
    "<wp:meta_value>2015/03/photo-{n}.jpg</wp:meta_value></wp:postmeta>"
    "<wp:postmeta><wp:meta_key>_wp_attachment_image_alt</wp:meta_key>"
    "<wp:meta_value>Alt {n}</wp:meta_value></wp:postmeta></item>\n"
)
BODY = "<p>Paragraph one of post {n}.</p>\n\n<p>Paragraph two, with more words.</p>"


def post(n, *, site="http://news.example.com", title=None, body=None, status="publish",
         thumbnail=None, excerpt=""):  # fmt: skip
    meta = (
        f"<wp:postmeta><wp:meta_key>_thumbnail_id</wp:meta_key>"
        f"<wp:meta_value>{thumbnail}</wp:meta_value></wp:postmeta>"
        if thumbnail
        else ""
    )
    return POST.format(
        n=n, site=site, title=title if title is not None else f"Post number {n}",
        body=body if body is not None else BODY.format(n=n), status=status, meta=meta,
        day=1 + n % 9, excerpt=excerpt,
    )  # fmt: skip


def attachment(n, *, site="http://news.example.com", caption="", description=""):
    return ATTACHMENT.format(n=n, site=site, caption=caption, description=description)


def document(items, *, site="http://news.example.com", title="News") -> str:
    return HEADER.format(site=site, title=title) + "".join(items) + FOOTER


def write_generated_export(path: Path, posts: int, *, site="http://news.example.com") -> Path:
    """A WXR file of ``posts`` published posts, written as a stream."""
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER.format(site=site, title="Generated"))
        for n in range(1, posts + 1):
            out.write(post(n, site=site))
        out.write(FOOTER)
    return path

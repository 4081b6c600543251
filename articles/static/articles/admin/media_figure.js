// A body figure that references a photo by its Media ID:
//   <figure data-media-id="55384539"><img src="…" alt="…"><figcaption>…</figcaption></figure>
// The public page re-renders it from the asset's current caption, credit and
// renditions; the img/figcaption written here are a fallback and an in-editor
// preview. The server sanitiser (articles/html.py) has the last word.
import { Node, mergeAttributes, updateAttrsDialog } from "django-prose-editor/editor"

async function lookup(url, mediaId) {
  const response = await fetch(`${url}?media_id=${encodeURIComponent(mediaId)}`, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  })
  const data = await response.json()
  if (!response.ok) throw new Error(data.error || "No photo with that Media ID.")
  return data
}

export const MediaFigure = Node.create({
  name: "mediaFigure",
  group: "block",
  atom: true,
  draggable: true,

  addOptions() {
    return { lookupUrl: "/admin/articles/article/media-lookup/" }
  },

  addAttributes() {
    return {
      mediaId: { default: null },
      src: { default: "" },
      alt: { default: "" },
      caption: { default: "" },
    }
  },

  parseHTML() {
    return [
      {
        tag: "figure[data-media-id]",
        getAttrs: (dom) => ({
          mediaId: dom.getAttribute("data-media-id"),
          src: dom.querySelector("img")?.getAttribute("src") || "",
          alt: dom.querySelector("img")?.getAttribute("alt") || "",
          caption: dom.querySelector("figcaption")?.textContent || "",
        }),
      },
    ]
  },

  renderHTML({ node }) {
    const { mediaId, src, alt, caption } = node.attrs
    const children = []
    if (src) children.push(["img", { src, alt }])
    if (caption) children.push(["figcaption", {}, caption])
    return ["figure", mergeAttributes({ "data-media-id": mediaId }), ...children]
  },

  addNodeView() {
    return ({ node }) => {
      const dom = document.createElement("figure")
      dom.className = "media-figure-preview"
      dom.dataset.mediaId = node.attrs.mediaId
      if (node.attrs.src) {
        const img = document.createElement("img")
        img.src = node.attrs.src
        img.alt = node.attrs.alt
        dom.append(img)
      }
      const label = document.createElement("figcaption")
      label.textContent = `Media ID ${node.attrs.mediaId}${node.attrs.caption ? ` — ${node.attrs.caption}` : ""}`
      dom.append(label)
      return { dom }
    }
  },

  addCommands() {
    return {
      insertMediaFigure:
        (attrs) =>
        ({ commands }) =>
          commands.insertContent({ type: this.name, attrs }),
    }
  },

  addMenuItems({ menu, buttons }) {
    const lookupUrl = this.options.lookupUrl
    menu.defineItem({
      name: "mediaFigure",
      groups: "nodes",
      button: buttons.material("image", "Insert photo by Media ID"),
      async command(editor) {
        const values = await updateAttrsDialog(
          { mediaId: { title: "Media ID", required: true, format: "number" } },
          { title: "Insert a photo", submitText: "Insert photo" },
        )(editor, {})
        if (!values || !values.mediaId) return
        try {
          const photo = await lookup(lookupUrl, values.mediaId)
          editor
            .chain()
            .focus()
            .insertMediaFigure({
              mediaId: String(photo.media_id),
              src: photo.src,
              alt: photo.alt,
              caption: photo.caption,
            })
            .run()
        } catch (error) {
          window.alert(error.message)
        }
      },
      enabled: (editor) => editor.isEditable,
    })
  },
})
